from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Services, recognitions and alliances")

    def ready(self) -> None:
        from branches.services.follow import (
            hanging_count_register,
            merge_follower_register,
            move_follower_register,
        )
        from federation.context_processors import nav_item_register

        from .follow import (
            activities_count,
            activities_follow_merge,
            activities_follow_moves,
            alliances_count,
            recognitions_count,
        )
        from .models import Activity, Alliance, Recognition

        # Services, recognitions and alliances keep a region of the organisations they name: it follows them.
        move_follower_register(activities_follow_moves)
        merge_follower_register(activities_follow_merge)
        for model, count in (
            (Activity, activities_count),
            (Recognition, recognitions_count),
            (Alliance, alliances_count),
        ):
            hanging_count_register(model, count)

        # One entry for the three lists (a tab bar joins them): the main bar is full at 1280 px already.
        nav_item_register(
            "activities:activity_list", _("Federation work"), "heart", "work.view", group="work"
        )
