"""Property-based fuzzing of every form and filter staff and contacts use (endpoints from tests/routes.py,
fields from the pages' own forms): hostile values never cause a 500, a district officer never writes outside
their district, and what is stored comes back escaped."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from answers.models import Question
from branches.models import Branch, ContactLog, Liaison
from federation.models import Region
from tests.branches.factories import OrganisationFactory
from tests.fuzz.forms import HOSTILE_TEXTS, UNESCAPED, endpoints

EXAMPLES = 4  # each example posts a fresh hostile value to every field of every endpoint
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking or explaining: each example walks every endpoint, and tracing that took many minutes; the
    # failing example is reported as found, with the endpoint and values in the message
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def elsewhere(world):
    """Objects in 乌达区, outside the district officer's area, whose ids the fuzzing also posts."""
    from tests.activities.factories import make_activity

    officer = world["people"]["other_district_officer"]
    organisation = OrganisationFactory(
        name="乌海市乌达区模糊测试商会", region=Region.objects.get(code="150304400")
    )
    liaison = Liaison.objects.create(organisation=organisation, name="李娜", mobile="13904739999")
    contact = ContactLog.objects.create(
        organisation=organisation, staff=officer, contacted_on="2026-11-02", channel="phone", summary="走访"
    )
    branch = Branch.objects.create(
        name="乌达区商会妇联", organisation=organisation, region=organisation.region, form="federation"
    )
    activity = make_activity(officer, [organisation], title="乌达区培训")
    return {"organisation": organisation, "liaison": liaison, "contact": contact, "branch": branch,
            "activity": activity}  # fmt: skip


def snapshot(objects: dict) -> dict:
    """Every field of the out-of-scope objects and the count of rows hanging off their organisation."""
    state = {key: type(obj).objects.filter(pk=obj.pk).values().first() for key, obj in objects.items()}
    organisation = objects["organisation"]
    state["counts"] = [
        model.objects.filter(organisation=organisation).count() for model in (Liaison, ContactLog, Branch)
    ]
    state["covers"] = sorted(objects["branch"].covers.values_list("pk", flat=True))
    state["activity_organisations"] = sorted(objects["activity"].organisations.values_list("pk", flat=True))
    return state


def hostile_values(world, elsewhere):
    """Hostile texts, other districts' and other people's ids, and lists where one value is expected."""
    ids = [str(obj.pk) for obj in elsewhere.values()]
    ids += [str(world["people"]["other_liaison"].pk), str(world["people"]["other_district_officer"].pk)]
    # Drawn from fixed values: an example draws one per field of every endpoint (hundreds), and free text would
    # use up Hypothesis's buffer, so that examples were cut short and tried again, many times over.
    scalar = st.sampled_from(HOSTILE_TEXTS + ids + ["", "0", "-1", "2026-13-45", "99999999999999999999"])
    return scalar | st.lists(scalar, min_size=2, max_size=3)


def clients(people):
    """One signed-in client per standard person; a 500 comes back as a response, not as an exception."""
    made = {}

    def client_for(person):
        if person not in made:
            made[person] = Client(raise_request_exception=False)
            made[person].force_login(people[person])
        return made[person]

    return client_for


def assert_escaped(response, where: str) -> None:
    if "html" in response.get("Content-Type", "") and not getattr(response, "streaming", False):
        text = response.content.decode(errors="replace")
        for marker in UNESCAPED:
            assert marker not in text, f"{where}: unescaped {marker!r}"


def shown_pages(world) -> list[tuple[str, str]]:
    """Pages that show what the fuzzing stores, with the person who opens them."""
    return [
        (reverse("branches:organisation_detail", args=[world["organisation"].pk]), "district_officer"),
        (reverse("branches:organisation_list"), "district_officer"),
        (reverse("branches:branch_detail", args=[world["branch"].pk]), "district_officer"),
        (reverse("workflows:run_detail", args=[world["run"].pk]), "district_officer"),
        (reverse("workflows:step_detail", args=[world["step"].pk]), "district_officer"),
        (reverse("workflows:portal_step", args=[world["step"].pk]), "liaison"),
        (reverse("activities:activity_list"), "district_officer"),
        (reverse("activities:alliance_list"), "district_officer"),
        (reverse("activities:recognition_list"), "district_officer"),
        (reverse("answers:question_list"), "district_officer"),
        (reverse("answers:faq_list"), "liaison"),
        (reverse("federation:contact_home"), "liaison"),
        (reverse("federation:operation_log"), "admin"),
    ]


def test_hostile_values_never_cause_an_error_an_out_of_scope_write_or_an_unescaped_page(world, elsewhere):
    client_for = clients(world["people"])
    found = endpoints(world, client_for)
    assert len({e.name for e in found}) >= 45, sorted(e.name for e in found)
    values = hostile_values(world, elsewhere)
    before = snapshot(elsewhere)

    @FUZZ
    @given(data=st.data())
    def run(data):
        for endpoint in found:
            payload = {name: data.draw(values, label=f"{endpoint.name}:{name}") for name in endpoint.fields}
            client = client_for(endpoint.actor)
            response = getattr(client, endpoint.method)(endpoint.url, payload)
            where = f"{endpoint.method.upper()} {endpoint.name} as {endpoint.actor} with {payload!r:.300}"
            assert response.status_code != 500, f"{where}: {getattr(response, 'exc_info', None)}"
            assert_escaped(response, where)
            if endpoint.actor == "district_officer":
                assert snapshot(elsewhere) == before, f"{where} wrote outside the district"
        for url, person in shown_pages(world):
            response = client_for(person).get(url)
            assert response.status_code in (200, 404), url  # the fuzzing may archive or merge the world
            assert_escaped(response, url)

    run()


# --- stored hostile texts come back escaped -------------------------------------------------------------------

MARKUP = st.sampled_from(
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<b onmouseover=alert(1)>粗体</b>"]
)


def stored_cases(world):
    """(route, person, URL arguments, valid payload around `text`, where the text is stored, page showing it)."""
    organisation = world["organisation"]
    detail = reverse("branches:organisation_detail", args=[organisation.pk])
    return [
        ("branches:contact_add", "district_officer", [organisation.pk],
         lambda text: {"contacted_on": "2026-11-03", "channel": "phone", "summary": text},
         lambda text: ContactLog.objects.filter(summary=text).exists(), detail),
        ("branches:liaison_add", "district_officer", [organisation.pk],
         lambda text: {"name": text[:50], "mobile": "13904735678", "consent": "on"},
         lambda text: text[:50] in {liaison.name for liaison in Liaison.objects.all()}, detail),  # encrypted
        ("answers:question_ask", "liaison", [],
         lambda text: {"organisation": organisation.pk, "text": f"请问{text}"},
         lambda text: Question.objects.filter(text=f"请问{text}").exists(), reverse("answers:question_list")),
    ]  # fmt: skip


def test_stored_hostile_texts_are_shown_escaped(world):
    from django.utils.html import escape

    client_for = clients(world["people"])
    cases = stored_cases(world)

    @FUZZ
    @given(markup=MARKUP, filler=st.text(alphabet="单位协会ab1", max_size=8))
    def run(markup, filler):
        text = f"{filler}{markup}"
        for name, person, args, payload, stored, page in cases:
            response = client_for(person).post(reverse(name, args=args), payload(text))
            assert response.status_code == 302, f"{name}: {response.status_code}"
            assert stored(text), name
            shown = client_for("district_officer").get(page).content.decode()
            assert markup not in shown and escape(markup) in shown, name

    run()
