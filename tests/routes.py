"""The declared outcome of every route for every standard person; the route × role test checks them.

Every URL pattern of the URLconf must be declared here (the admin is declared as a whole): a route without a
declaration fails the test, so each new view is covered the day it is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

PEOPLE = [
    "anonymous",
    "liaison",
    "other_liaison",
    "district_officer",
    "other_district_officer",
    "city_officer",
    "admin",
]
STAFF = ["district_officer", "other_district_officer", "city_officer", "admin"]
CONTACTS = ["liaison", "other_liaison"]

LOGIN = "login"  # redirected to the sign-in page
ADMIN_LOGIN = "admin-login"  # redirected to the admin's sign-in page
ANY_LOGIN = "any-login"  # redirected to either sign-in page
REDIRECT = "redirect"  # redirected elsewhere
ADMIN_OK = "admin-ok"  # the admin answers without sending the person to sign in and without a 500


@dataclass
class Route:
    expect: dict[str, object]
    kwargs: Callable[[dict], dict] = field(default=lambda world: {})
    method: str = "get"


def outcome(**by_person) -> dict[str, object]:
    """Expected outcome per person; `staff`, `contacts` and `others` fill groups not named one by one."""
    staff = by_person.pop("staff", None)
    contacts = by_person.pop("contacts", None)
    others = by_person.pop("others", None)
    result = {}
    for person in PEOPLE:
        if person in by_person:
            result[person] = by_person[person]
        elif person in STAFF and staff is not None:
            result[person] = staff
        elif person in CONTACTS and contacts is not None:
            result[person] = contacts
        elif others is not None:
            result[person] = others
        else:
            raise AssertionError(f"no expectation for {person}")
    return result


def signed_in(ok=200, anonymous=LOGIN):
    return outcome(anonymous=anonymous, others=ok)


def staff_only(ok=200):
    return outcome(anonymous=LOGIN, contacts=403, staff=ok)


def contacts_only(ok=200):
    return outcome(anonymous=LOGIN, contacts=ok, staff=403)


def admin_only(ok=200):
    return outcome(anonymous=LOGIN, admin=ok, others=403)


def in_district(ok=200):
    """An object in 海勃湾区: its district's officer, the city and the admin see it; others get 404."""
    return outcome(anonymous=LOGIN, contacts=404, other_district_officer=404, staff=ok)


def post_only():
    """A POST-only action: a GET is refused before anything else (after sign-in)."""
    return outcome(anonymous=LOGIN, others=405)


def organisation(world):
    return {"pk": world["organisation"].pk}


def register_import(world):
    return {"pk": world["register_import"].pk}


def run_scoped(staff=200, liaison=403):
    """A run (or step) in 海勃湾区 whose organisation's liaison is `liaison`: other areas and people get 404."""
    return outcome(
        anonymous=LOGIN, liaison=liaison, other_liaison=404, other_district_officer=404, staff=staff
    )


def run(world):
    return {"pk": world["run"].pk}


def step(world):
    return {"pk": world["step"].pk}


def _work(world):
    """Services, a photo, a recognition and an alliance in 海勃湾区 (tests/activities/factories.py)."""
    from tests.activities.factories import work_world

    return work_world(world)


def _answers(kind: str):
    """URL arguments for an open or answered question or an FAQ entry in 海勃湾区 (tests/answers/factories.py)."""

    def kwargs(world):
        from tests.answers.factories import route_kwargs

        return route_kwargs(world, kind)

    return kwargs


ROUTES: dict[str, Route] = {
    # federation
    "federation:home": Route(outcome(anonymous=LOGIN, others=REDIRECT)),
    "federation:staff_home": Route(staff_only()),
    "federation:contact_home": Route(contacts_only()),
    "federation:login_log": Route(admin_only()),
    "federation:operation_log": Route(admin_only()),
    "federation:disclosure_log": Route(admin_only()),
    "federation:disclosure_log_export": Route(admin_only()),
    "federation:job_log": Route(admin_only()),
    "federation:inbox": Route(signed_in()),
    "federation:inbox_read_all": Route(post_only()),
    "federation:notification_open": Route(post_only(), kwargs=lambda w: {"pk": 1}),
    "federation:language_set": Route(outcome(others=405)),
    "healthz": Route(outcome(others=200)),
    # the organisations ledger
    "branches:organisation_list": Route(staff_only()),
    "branches:organisation_pick": Route(staff_only()),
    "branches:branch_pick": Route(staff_only()),
    "branches:organisation_create": Route(staff_only()),
    "branches:organisation_export": Route(staff_only()),
    "branches:organisation_detail": Route(in_district(), kwargs=organisation),
    "branches:organisation_edit": Route(in_district(), kwargs=organisation),
    "branches:organisation_archive": Route(in_district(), kwargs=organisation),
    "branches:organisation_restore": Route(post_only(), kwargs=organisation),
    "branches:organisation_merge": Route(in_district(), kwargs=organisation),
    "branches:organisation_reveal": Route(post_only(), kwargs=organisation),
    "branches:liaison_add": Route(in_district(), kwargs=organisation),
    "branches:contact_add": Route(in_district(), kwargs=organisation),
    "branches:branch_create": Route(in_district(), kwargs=organisation),
    "branches:liaison_edit": Route(in_district(), kwargs=lambda w: {"pk": w["liaison"].pk}),
    "branches:liaison_reveal": Route(post_only(), kwargs=lambda w: {"pk": w["liaison"].pk}),
    "branches:contact_done": Route(post_only(), kwargs=lambda w: {"pk": w["contact"].pk}),
    "branches:contact_overdue": Route(staff_only()),
    "branches:reminder_settings": Route(staff_only()),
    "branches:reminder_upcoming": Route(staff_only()),
    "branches:form_helper": Route(signed_in()),
    "branches:branch_list": Route(staff_only()),
    "branches:branch_detail": Route(in_district(), kwargs=lambda w: {"pk": w["branch"].pk}),
    "branches:branch_edit": Route(in_district(), kwargs=lambda w: {"pk": w["branch"].pk}),
    "branches:branch_stage": Route(post_only(), kwargs=lambda w: {"pk": w["branch"].pk}),
    "branches:branch_checklist": Route(post_only(), kwargs=lambda w: {"pk": w["branch"].pk}),
    "branches:duplicate_list": Route(staff_only()),
    "branches:duplicate_different": Route(post_only()),
    "branches:import_list": Route(staff_only()),
    "branches:import_upload": Route(staff_only()),
    "branches:import_template": Route(staff_only()),
    "branches:import_detail": Route(in_district(), kwargs=register_import),
    "branches:import_mapping": Route(post_only(), kwargs=register_import),
    "branches:import_header": Route(post_only(), kwargs=register_import),
    "branches:import_apply": Route(post_only(), kwargs=register_import),
    "branches:import_discard": Route(post_only(), kwargs=register_import),
    "branches:import_errors": Route(in_district(), kwargs=register_import),
    # guided formation: staff
    "workflows:run_list": Route(staff_only()),
    "workflows:run_start": Route(in_district(), kwargs=organisation),
    "workflows:run_detail": Route(run_scoped(), kwargs=run),
    "workflows:run_cancel": Route(post_only(), kwargs=run),
    "workflows:invitation_create": Route(post_only(), kwargs=run),
    "workflows:invitation_revoke": Route(post_only(), kwargs=lambda w: {"pk": w["invitation"].pk}),
    "workflows:invitation_detail": Route(run_scoped(), kwargs=lambda w: {"pk": w["invitation"].pk}),
    "workflows:invitation_notice": Route(run_scoped(), kwargs=lambda w: {"pk": w["invitation"].pk}),
    "workflows:invitation_resend": Route(post_only(), kwargs=lambda w: {"pk": w["invitation"].pk}),
    "workflows:step_detail": Route(run_scoped(), kwargs=step),
    "workflows:step_review": Route(post_only(), kwargs=step),
    "workflows:review_queue": Route(staff_only()),
    "workflows:template_list": Route(admin_only()),
    "workflows:template_detail": Route(admin_only(), kwargs=lambda w: {"pk": w["workflow_template"].pk}),
    "workflows:template_publish": Route(post_only(), kwargs=lambda w: {"pk": w["workflow_template"].pk}),
    "workflows:template_new_version": Route(post_only(), kwargs=lambda w: {"pk": w["workflow_template"].pk}),
    "workflows:step_move": Route(post_only(), kwargs=lambda w: {"pk": w["step_template"].pk}),
    "workflows:step_preview": Route(admin_only(), kwargs=lambda w: {"pk": w["step_template"].pk}),
    # guided formation: the organisation's portal (staff see the staff pages instead)
    # staff are asked before their session is replaced (a page whose POST opens the link)
    "workflows:invitation_open": Route(
        outcome(staff=200, others=REDIRECT), kwargs=lambda w: {"token": w["invitation_token"]}
    ),
    # the short address sent by SMS leads to the signed link, whoever opens it
    "workflows:invitation_short": Route(
        outcome(others=REDIRECT), kwargs=lambda w: {"code": w["invitation"].code}
    ),
    "workflows:portal_run": Route(run_scoped(staff=403, liaison=200), kwargs=run),
    "workflows:portal_step": Route(run_scoped(staff=403, liaison=200), kwargs=step),
    "workflows:portal_draft": Route(post_only(), kwargs=step),
    "answers:step_question_ask": Route(post_only(), kwargs=step),
    "workflows:portal_password": Route(contacts_only()),
    # guided formation: papers, for staff and the organisation's liaison
    "workflows:document_download": Route(
        run_scoped(liaison=200), kwargs=lambda w: {"pk": w["step"].pk, "document": w["document"].pk}
    ),
    "workflows:package_download": Route(run_scoped(liaison=200), kwargs=run),
    "workflows:attachment_download": Route(
        run_scoped(liaison=200), kwargs=lambda w: {"pk": w["attachment"].pk}
    ),
    # services, recognitions, alliances
    "activities:activity_list": Route(staff_only()),
    "activities:activity_create": Route(staff_only()),
    "activities:activity_export": Route(staff_only()),
    "activities:activity_detail": Route(in_district(), kwargs=lambda w: {"pk": _work(w)["activity"].pk}),
    "activities:activity_edit": Route(in_district(), kwargs=lambda w: {"pk": _work(w)["activity"].pk}),
    "activities:activity_photo_add": Route(post_only(), kwargs=lambda w: {"pk": _work(w)["activity"].pk}),
    "activities:activity_photo": Route(in_district(), kwargs=lambda w: {"pk": _work(w)["photo"].pk}),
    "activities:activity_photo_remove": Route(post_only(), kwargs=lambda w: {"pk": _work(w)["photo"].pk}),
    "activities:recognition_list": Route(staff_only()),
    "activities:recognition_create": Route(staff_only()),
    "activities:recognition_export": Route(staff_only()),
    "activities:recognition_edit": Route(in_district(), kwargs=lambda w: {"pk": _work(w)["recognition"].pk}),
    "activities:alliance_list": Route(staff_only()),
    "activities:alliance_create": Route(staff_only()),
    "activities:alliance_detail": Route(in_district(), kwargs=lambda w: {"pk": _work(w)["alliance"].pk}),
    "activities:alliance_edit": Route(in_district(), kwargs=lambda w: {"pk": _work(w)["alliance"].pk}),
    # questions and FAQ
    "answers:question_list": Route(staff_only()),
    "answers:question_answer": Route(
        in_district(),
        kwargs=_answers("open"),
    ),
    "answers:question_publish": Route(
        in_district(),
        kwargs=_answers("answered"),
    ),
    "answers:question_ask": Route(contacts_only()),
    "answers:faq_list": Route(signed_in()),
    "answers:faq_create": Route(staff_only()),
    # a city-wide entry: the city's staff edit it, district officers propose changes for them to decide
    "answers:faq_edit": Route(
        outcome(anonymous=LOGIN, contacts=403, district_officer=403, other_district_officer=403, staff=200),
        kwargs=_answers("faq"),
    ),
    "answers:faq_propose": Route(
        outcome(anonymous=LOGIN, contacts=403, city_officer=403, admin=403, staff=200),
        kwargs=_answers("faq"),
    ),
    "answers:faq_proposal_list": Route(staff_only()),
    "answers:faq_proposal_decide": Route(post_only(), kwargs=_answers("proposal")),
    "answers:faq_unpublish": Route(
        post_only(),
        kwargs=_answers("faq"),
    ),
    # coverage dashboards
    "coverage:dashboard": Route(staff_only()),
    "coverage:report": Route(staff_only()),
    "coverage:report_export": Route(staff_only()),
    "coverage:refresh": Route(post_only()),
    # background work (a job in 海勃湾区, started by its district officer, with a result file)
    "jobs:list": Route(staff_only()),
    "jobs:backup": Route(admin_only()),
    "jobs:detail": Route(
        outcome(anonymous=LOGIN, contacts=403, other_district_officer=404, staff=200),
        kwargs=lambda w: {"pk": w["job"].pk},
    ),
    "jobs:cancel": Route(post_only(), kwargs=lambda w: {"pk": w["job"].pk}),
    "jobs:retry": Route(post_only(), kwargs=lambda w: {"pk": w["job"].pk}),
    "jobs:download": Route(
        outcome(anonymous=LOGIN, contacts=403, district_officer=200, others=404),
        kwargs=lambda w: {"pk": w["job"].pk},
    ),
    # accounts
    "login": Route(outcome(anonymous=200, others=REDIRECT)),
    "logout": Route(outcome(anonymous=LOGIN, others=405)),
    "password_change": Route(signed_in()),
    "password_change_done": Route(signed_in()),
    "session_list": Route(signed_in()),
    "sessions_end_others": Route(outcome(anonymous=LOGIN, others=405)),
    "session_keep_alive": Route(outcome(anonymous=LOGIN, others=405)),
    "two_factor_verify": Route(outcome(anonymous=LOGIN, contacts=403, staff=REDIRECT)),  # none yet: to setup
    "two_factor_setup": Route(outcome(anonymous=LOGIN, contacts=403, staff=200)),
    "password_reset": Route(outcome(others=200)),
    "password_reset_done": Route(outcome(others=200)),
    "password_reset_confirm": Route(
        outcome(others=200), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "password_reset_complete": Route(outcome(others=200)),
}


def admin_outcome(name: str) -> dict[str, object]:
    """The Django admin is for admins only; everyone else is sent to its sign-in page."""
    if name == "admin:login":
        return outcome(admin=REDIRECT, others=200)
    if name == "admin:logout":
        return outcome(anonymous=ANY_LOGIN, admin=405, others=REDIRECT)
    return outcome(anonymous=ANY_LOGIN, admin=ADMIN_OK, others=ADMIN_LOGIN)


def url_patterns(resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""):
    """Every named URL pattern as (full name, route text)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)
            else:
                yield None, prefix + str(pattern.pattern)
