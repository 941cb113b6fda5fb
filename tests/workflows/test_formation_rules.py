"""The formation rules where they bite: the 差额 rule at the candidate step, candidates in 姓氏笔画 order,
each template speaking of its own form, and the form and way chosen at the start filling in the steps."""

from __future__ import annotations

import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from docx import Document

from branches.models import Liaison
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.documents import document_context, document_render
from workflows.election import WARN, candidates_needed, competitive_problem, election_check
from workflows.forms import StepForm, initial_answers
from workflows.models import (
    DocumentTemplate,
    FieldSpec,
    FormationRun,
    StepEntry,
    StepStatus,
    StepTemplate,
    WorkflowTemplate,
)
from workflows.strokes import by_surname_strokes, split_name, stroke_count

from .answers import POST
from .test_portal import progress_to

pytestmark = pytest.mark.django_db

wording_migration = importlib.import_module("workflows.migrations.0004_template_wording_by_form")
EDITOR = SimpleNamespace(connection=connection)  # what the migration's functions use of a schema editor


@pytest.fixture
def officer(people):
    return people["district_officer"]


@pytest.fixture
def organisation(wuhai):
    return OrganisationFactory(name="乌海市海勃湾区巾帼商会")


@pytest.fixture
def liaison_record(organisation, people):
    return Liaison.objects.create(
        organisation=organisation, name="王芳", mobile="13904731234", user=people["liaison"]
    )


def _start(organisation, officer, key="federation", way="standalone", liaison=None) -> FormationRun:
    template = WorkflowTemplate.objects.get(key=key, status="published")
    return services.run_start(
        by=officer, organisation=organisation, template=template, owner=officer, way=way, liaison=liaison
    )


def _entry(run, code) -> StepEntry:
    return run.entries.select_related("step__template", "run__organisation").get(step__code=code)


def _candidates(names) -> dict[str, str]:
    data = {}
    for index, name in enumerate(names):
        data.update({f"candidates-{index}-name": name, f"candidates-{index}-unit_post": "会员单位"})
    return data


def _query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return query


NAMES = ["张丽", "李娜", "王静", "赵敏", "刘洋", "陈红", "周梅", "吴霞", "郑芳", "孙燕", "马兰", "朱琳"]


# --- 1. the 差额 rule at the candidate step ---------------------------------------------------------------


def test_three_candidates_for_five_seats_are_refused_at_the_candidate_step(client, organisation, officer):
    run = _start(organisation, officer)
    entry = progress_to(run, "candidates", officer)
    client.force_login(officer)

    response = client.post(
        reverse("workflows:step_detail", args=[entry.pk]),
        {**_candidates(NAMES[:3]), "version": entry.version},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert "3 candidates for 5 seats: a competitive election needs at least 6 candidates." in (
        response.content.decode()
    )
    entry.refresh_from_db()
    assert entry.status in (StepStatus.TODO, StepStatus.DRAFT) and not entry.answers


def test_the_liaison_is_refused_too_and_six_for_five_goes_through(
    client, organisation, officer, liaison_record
):
    run = _start(organisation, officer, liaison=liaison_record)
    entry = progress_to(run, "candidates", officer)
    client.force_login(liaison_record.user)
    url = reverse("workflows:portal_step", args=[entry.pk])

    refused = client.post(
        url, {**_candidates(NAMES[:5]), "version": entry.version}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 200
    assert "5 candidates for 5 seats" in refused.content.decode()

    handed_in = client.post(url, {**_candidates(NAMES[:6]), "version": entry.version})
    assert handed_in.status_code == 302
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED and len(entry.answers["candidates"]) == 6


@pytest.mark.parametrize(
    ("earlier", "candidates", "refused"),
    [
        ({"request": {"seats": 7}}, 7, "7 candidates for 7 seats"),  # no approval yet: the request's seats
        ({"request": {"seats": 7}}, 8, ""),
        ({"request": {"seats": 7}, "approval": {"approved_seats": 5}}, 6, ""),  # the approval wins
        ({"request": {"seats": 5}, "approval": {"approved_seats": 7}}, 6, "6 candidates for 7 seats"),
    ],
)
def test_the_seats_come_from_the_approval_else_the_request(world, earlier, candidates, refused, settings):
    settings.LANGUAGE_CODE = "en"
    entry = _entry(world["run"], "candidates")
    form = StepForm(_query(_candidates(NAMES[:candidates])), entry=entry, earlier=earlier)
    assert form.is_valid() is not bool(refused)
    assert any(refused in error for error in form.non_field_errors()) if refused else True


def test_the_templates_extra_ratio_counts_at_the_candidate_step_as_at_the_congress(world, settings):
    settings.LANGUAGE_CODE = "en"
    WorkflowTemplate.objects.filter(key="federation").update(min_extra_candidates_percent=20)
    entry = _entry(world["run"], "candidates")
    earlier = {"approval": {"approved_seats": 10}}
    assert candidates_needed(10, 20) == 12

    eleven = StepForm(_query(_candidates(NAMES[:11])), entry=entry, earlier=earlier)
    twelve = StepForm(_query(_candidates(NAMES[:12])), entry=entry, earlier=earlier)

    assert not eleven.is_valid() and twelve.is_valid()
    message = competitive_problem(11, 10, 20)
    assert message in eleven.non_field_errors()
    congress = election_check({"seats": 10, "votes": [{"name": n} for n in NAMES[:11]]}, extra_percent=20)
    assert message in congress.problems  # the one rule, word for word, at both steps


def test_a_template_that_only_warns_takes_the_list_once_the_warning_is_ticked(client, organisation, officer):
    run = _start(organisation, officer)
    WorkflowTemplate.objects.filter(pk=run.template_id).update(competitive_rule=WARN)
    entry = progress_to(run, "candidates", officer)
    client.force_login(officer)
    url = reverse("workflows:step_detail", args=[entry.pk])
    short = {**_candidates(NAMES[:3]), "version": entry.version}

    warned = client.post(url, short, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 candidates for 5 seats" in warned and 'name="accept_warnings"' in warned
    assert "Tick the box to hand the step in despite the warning." in warned
    entry.refresh_from_db()
    assert not entry.answers

    assert client.post(url, {**short, "accept_warnings": "on"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED
    review = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Competitive election:" in review and "3 candidates for 5 seats" in review


def test_warning_instead_of_refusing_holds_for_the_congress_step_as_well():
    votes = [{"name": name, "for": 20} for name in NAMES[:5]]
    answers = {"expected": 30, "present": 30, "ballots_issued": 30, "ballots_returned": 30}
    answers.update(ballots_valid=30, seats=5, votes=votes)
    refused = election_check(answers)
    warned = election_check(answers, competitive=WARN)
    problem = competitive_problem(5, 5, 0)
    assert problem in refused.problems and problem not in warned.problems
    assert warned.warnings == [problem]


# --- 2. 姓氏笔画 ------------------------------------------------------------------------------------------


def test_stroke_counts_come_from_the_unicode_han_database():
    assert [stroke_count(c) for c in "丁王张欧赵葛"] == [2, 4, 7, 8, 9, 12]
    assert stroke_count("马") == 3  # the simplified form, not 馬's 10
    assert stroke_count("A") is None


def test_compound_surnames_are_the_surname():
    assert split_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert split_name("司马 光") == ("司马", "光")  # spaces typed to line names up do not count
    assert split_name("诸葛亮") == ("诸葛", "亮")
    assert split_name("欧阳") == ("欧", "阳")  # two characters: a single surname and a given name
    assert split_name("王芳") == ("王", "芳")


def test_names_sort_by_the_strokes_of_the_surname_then_of_the_given_name():
    entered = [
        "赵敏",
        "欧阳娜娜",
        "王静",
        "丁一",
        "刘洋",
        "欧广源",
        "王芳",
        "司马光",
        "司徒雷登",
        "王小明",
        "Anna",
    ]
    assert by_surname_strokes(entered) == [
        "丁一",  # 丁 2
        "王小明",  # 王 4, 小 3
        "王芳",  # 王 4, 芳 7
        "王静",  # 王 4, 静 14
        "司马光",  # 司 5, 马 3: the compound surname 司马
        "司徒雷登",  # 司 5, 徒 10
        "刘洋",  # 刘 6
        "欧广源",  # 欧 8: the single surname before the compound one
        "欧阳娜娜",  # 欧阳
        "赵敏",  # 赵 9
        "Anna",  # no stroke count: last
    ]


def test_same_stroke_surnames_stay_together_and_equal_names_keep_their_order():
    rows = [
        {"name": "李娜", "n": 1},
        {"name": "张丽", "n": 2},
        {"name": "李娜", "n": 3},
        {"name": "张敏", "n": 4},
    ]
    ordered = by_surname_strokes(rows, lambda row: row["name"])
    assert [row["n"] for row in ordered] == [2, 4, 1, 3]  # 张 and 李 both 7 strokes; each surname together


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_candidate_list_and_the_ballot_print_in_stroke_order(world):
    run = world["run"]
    entry = _entry(run, "candidates")
    names = ["赵敏", "欧阳娜娜", "王静", "丁一", "司马光", "李娜"]
    StepEntry.objects.filter(pk=entry.pk).update(
        answers={"candidates": [{"name": name, "unit_post": "会员单位"} for name in names]}
    )
    expected = ["丁一", "王静", "司马光", "李娜", "欧阳娜娜", "赵敏"]
    for packaged in ("candidates.docx", "ballot.docx"):
        document = DocumentTemplate.objects.get(step__template=run.template, packaged=packaged)
        text = _docx_text(document_render(document, run))
        positions = [text.index(name) for name in expected]
        assert positions == sorted(positions), packaged
    assert "按姓氏笔画排序" in _docx_text(
        document_render(
            DocumentTemplate.objects.get(step__template=run.template, packaged="candidates.docx"), run
        )
    )


# --- 3. each template speaks of its own form -------------------------------------------------------------

FEDERATION_ONLY = ("主席", "执委", "执行委员会", "妇女联合会")


def _texts(template: WorkflowTemplate) -> list[str]:
    texts = []
    for step in template.steps.prefetch_related("fields", "documents"):
        texts += [step.title, step.guidance, step.key_notes, step.sentences]
        for spec in step.fields.all():
            texts += [spec.label, spec.help_text, spec.columns]
        texts += [document.title for document in step.documents.all()]
    return texts


@pytest.mark.parametrize("key", ["committee", "group"])
def test_a_committee_or_group_template_never_speaks_of_a_federations_posts(key):
    template = WorkflowTemplate.objects.get(key=key, status="published")
    texts = "\n".join(_texts(template))
    for word in FEDERATION_ONLY:
        assert word not in texts, (key, word)
    assert ("主任" if key == "committee" else "组长") in texts


def test_the_committee_speaks_of_director_deputy_and_members():
    template = WorkflowTemplate.objects.get(key="committee", status="published")
    labels = {
        spec.name: spec.label
        for spec in FieldSpec.objects.filter(step__template=template, step__code="request")
    }
    assert labels["chair_seats"] == "主任名额" and labels["vice_chair_seats"] == "副主任名额"
    request = template.steps.get(code="request")
    assert "单位全称＋妇女委员会" in request.key_notes
    assert FieldSpec.objects.get(step=request, name="proposed_name").help_text == "如：××有限公司妇女委员会"
    report = FieldSpec.objects.get(step__template=template, name="executives")
    assert "主任/副主任/委员" in report.columns


def test_the_federation_keeps_its_chair_and_executive_words():
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    texts = "\n".join(_texts(template))
    assert "主席名额" in texts and "执委名额一般为5、7或15名" in texts and "主任" not in texts


def test_a_committee_runs_papers_speak_of_its_own_posts(organisation, officer):
    run = _start(organisation, officer, key="committee")
    answers = {
        "request": {**POST["request"], "proposed_name": "乌海市海勃湾区巾帼商会妇女委员会", "seats": 5},
        "approval": {"approved_name": "乌海市海勃湾区巾帼商会妇女委员会", "approved_seats": 5},
        "candidates": {"candidates": [{"name": name} for name in NAMES[:6]]},
        "first_meeting": {"leaders": [{"name": "张丽", "post": "主任"}]},
    }
    for code, values in answers.items():
        StepEntry.objects.filter(run=run, step__code=code).update(answers=values, status=StepStatus.APPROVED)
    context = document_context(run)
    assert (context["run"]["chair"], context["run"]["vice_chair"], context["run"]["member"]) == (
        "主任",
        "副主任",
        "委员",
    )
    documents = DocumentTemplate.objects.filter(step__template=run.template).select_related("step")
    assert documents.count() >= 4
    for document in documents:
        # the 妇委会 works under the women's federation's constitution: that title may be cited
        text = _docx_text(document_render(document, run)).replace("中华全国妇女联合会章程", "")
        for word in FEDERATION_ONLY:
            assert word not in text, (document.packaged, word)
    request = DocumentTemplate.objects.get(step__template=run.template, packaged="request.docx")
    assert "其中主任1名、副主任1名" in _docx_text(document_render(request, run))


def _as_first_seeded(key: str) -> None:
    """Put a default template's texts back as they were first seeded (an installation from before)."""
    for kind, change_key, code, name, attribute, old, _new in wording_migration.CHANGES:
        if change_key != key:
            continue
        steps = StepTemplate.objects.filter(template__key=key, code=code)
        if kind == "step":
            steps.update(**{attribute: old})
        elif kind == "field":
            FieldSpec.objects.filter(step__in=steps, name=name).update(**{attribute: old})
        else:
            DocumentTemplate.objects.filter(step__in=steps, packaged=name).update(**{attribute: old})


def test_an_existing_installation_gets_a_corrected_version_and_keeps_what_an_admin_wrote(
    organisation, officer
):
    _as_first_seeded("committee")
    old = WorkflowTemplate.objects.get(key="committee", status="published")
    request = old.steps.get(code="request")
    StepTemplate.objects.filter(pk=request.pk).update(guidance="本单位自行填写的说明")  # an admin's text
    run = _start(organisation, officer, key="committee")  # a run under way keeps its version

    wording_migration.wording_by_form(apps, EDITOR)

    old.refresh_from_db()
    new = WorkflowTemplate.objects.get(key="committee", status="published")
    assert old.status == "retired" and new.version == old.version + 1
    assert "妇女联合会（妇女委员会）" in old.steps.get(code="request").key_notes  # frozen: untouched
    new_request = new.steps.get(code="request")
    assert new_request.guidance == "本单位自行填写的说明"
    assert "单位全称＋妇女委员会" in new_request.key_notes
    assert FieldSpec.objects.get(step=new_request, name="chair_seats").label == "主任名额"
    assert FieldSpec.objects.get(step=new_request, name="way").prefill == "run.way"
    assert new.steps.count() == old.steps.count()
    assert (
        FieldSpec.objects.filter(step__template=new).count()
        == FieldSpec.objects.filter(step__template=old).count()
    )
    assert FormationRun.objects.get(pk=run.pk).template_id == old.pk
    # the others were already corrected: no new version for them
    assert WorkflowTemplate.objects.filter(key="federation").count() == 1

    wording_migration.wording_as_seeded(apps, EDITOR)

    assert not WorkflowTemplate.objects.filter(pk=new.pk).exists()
    old.refresh_from_db()
    assert old.status == "published"


def test_a_draft_is_corrected_in_place_and_going_back_restores_its_first_wording(admin_user):
    published = WorkflowTemplate.objects.get(key="group", status="published")
    draft = services.template_new_version(by=admin_user, template=published)
    _as_first_seeded("group")  # the published version and the draft both read as first seeded
    steps = StepTemplate.objects.filter(template=draft)

    wording_migration.wording_by_form(apps, EDITOR)

    draft.refresh_from_db()
    assert draft.status == "draft"
    assert "组长" in steps.get(code="request").sentences
    wording_migration.wording_as_seeded(apps, EDITOR)
    assert "主席（主任）" in steps.get(code="request").sentences


# --- 4. the form and the way chosen at the start ---------------------------------------------------------


def test_the_way_and_the_form_chosen_at_the_start_fill_in_the_request(
    client, organisation, officer, liaison_record
):
    run = _start(organisation, officer, key="committee", way="joint", liaison=liaison_record)
    entry = _entry(run, "request")

    initial = initial_answers(entry)
    assert initial["way"] == "联合建立"
    assert initial["proposed_name"] == "乌海市海勃湾区巾帼商会妇女委员会"

    client.force_login(liaison_record.user)
    page = client.get(reverse("workflows:portal_step", args=[entry.pk])).content.decode()
    assert '<option value="联合建立" selected>' in page
    assert 'value="乌海市海勃湾区巾帼商会妇女委员会"' in page


def test_a_group_run_is_named_as_a_group_and_the_approval_follows_the_request(organisation, officer):
    run = _start(organisation, officer, key="group", way="industry")
    initial = initial_answers(_entry(run, "request"))
    assert (initial["way"], initial["proposed_name"]) == ("行业统建", "乌海市海勃湾区巾帼商会妇女小组")


def test_a_way_missing_from_an_admins_choices_is_left_for_the_user(admin_user, organisation, officer):
    published = WorkflowTemplate.objects.get(key="federation", status="published")
    draft = services.template_new_version(by=admin_user, template=published)
    FieldSpec.objects.filter(step__template=draft, name="way").update(choices="单独建立\n联合建立")
    services.template_publish(by=admin_user, template=draft)
    run = _start(organisation, officer, way="area")
    assert "way" not in initial_answers(_entry(run, "request"))


def test_the_template_page_says_how_the_competitive_rule_is_checked(client, admin_user):
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    WorkflowTemplate.objects.filter(pk=template.pk).update(
        min_extra_candidates_percent=20, competitive_rule=WARN
    )
    client.force_login(admin_user)
    page = client.get(reverse("workflows:template_detail", args=[template.pk])).content.decode()
    assert "差额选举（酝酿候选人和召开大会两步检查）：候选人数须多于应选名额，且至少多出20%。" in page
    assert "达不到时：提醒，确认后可提交。" in page


def test_every_page_of_a_committee_run_speaks_of_the_committee(client, organisation, officer, liaison_record):
    """Each step as the liaison and the officer see it while it is open, then handed in and approved.
    FAQ entries are left out: they are shared by every form and edited by the federation."""
    from answers.models import FAQEntry

    from .test_services import fill

    FAQEntry.objects.all().delete()
    run = _start(organisation, officer, key="committee", liaison=liaison_record)
    answers = {
        **POST,
        "request": {**POST["request"], "proposed_name": "乌海市海勃湾区巾帼商会妇女委员会"},
        "approval": {**POST["approval"], "approved_name": "乌海市海勃湾区巾帼商会妇女委员会"},
        "first_meeting": {**POST["first_meeting"], "leaders-0-post": "主任", "leaders-1-post": "副主任"},
        "report": {
            key: value.replace("副主席", "副主任").replace("主席", "主任").replace("执委", "委员")
            for key, value in POST["report"].items()
        },
    }
    seen = 0
    for entry in run.entries.order_by("order").select_related("step", "run"):
        entry.refresh_from_db()
        if entry.status != StepStatus.APPROVED:
            pages = [reverse("workflows:step_detail", args=[entry.pk])]
            if entry.step.actor == "organisation":
                pages.append(reverse("workflows:portal_step", args=[entry.pk]))
            for url in pages:
                client.force_login(liaison_record.user if "portal" in url else officer)
                html = client.get(url).content.decode()
                for word in FEDERATION_ONLY:
                    assert word not in html, (entry.step.code, url, word)
                seen += 1
            entry = fill(entry, officer, answers[entry.step.code])
            if entry.status == StepStatus.SUBMITTED:
                services.step_approve(by=officer, entry=entry, version=entry.version)
    assert seen >= 12
    run.refresh_from_db()
    assert run.status == FormationRun.Status.COMPLETED


def test_an_admin_chooses_refuse_or_warn_on_a_draft_version(client, admin_user):
    published = WorkflowTemplate.objects.get(key="committee", status="published")
    draft = services.template_new_version(by=admin_user, template=published)
    client.force_login(admin_user)
    page = client.get(reverse("admin:workflows_workflowtemplate_change", args=[draft.pk])).content.decode()
    assert 'name="competitive_rule"' in page and 'value="warn"' in page
    WorkflowTemplate.objects.filter(pk=published.pk).update(competitive_rule=WARN)
    copy = services.template_new_version(
        by=admin_user, template=WorkflowTemplate.objects.get(pk=published.pk)
    )
    assert copy.pk == draft.pk  # one draft at a time; a fresh copy carries the choice:
    WorkflowTemplate.objects.filter(pk=draft.pk).delete()
    fresh = services.template_new_version(
        by=admin_user, template=WorkflowTemplate.objects.get(pk=published.pk)
    )
    assert fresh.competitive_rule == WARN
