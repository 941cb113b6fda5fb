from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AnswersConfig(AppConfig):
    name = "answers"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        from branches.services.follow import hanging_count_register, merge_follower_register
        from branches.services.reminders import reminder_job_register
        from federation.context_processors import nav_item_register
        from federation.home import home_panel_register
        from workflows.panels import step_panel_register

        from .follow import questions_count, questions_follow_merge
        from .home import contact_questions_panel, open_questions_panel
        from .models import Question
        from .panels import step_questions_panel
        from .reminders import reminders_questions

        reminder_job_register("reminders.questions", reminders_questions)
        merge_follower_register(questions_follow_merge)
        hanging_count_register(Question, questions_count)
        nav_item_register(
            "answers:question_list",
            pgettext_lazy("navigation", "Questions"),
            "chat-dots",
            "questions.view",
            group="work",
        )
        nav_item_register("answers:faq_list", _("FAQ"), "question-circle", "faq.view", group="work")
        home_panel_register("answers/_home_open_questions.html", open_questions_panel)
        home_panel_register("answers/_home_ask.html", contact_questions_panel, home="contact")
        step_panel_register("answers/_step_questions.html", step_questions_panel)
