"""The papers of a formation run: filled .docx files, the ZIP package with its checklist, attachments."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from federation.models import DisclosureLog
from tests.branches.factories import OrganisationFactory
from workflows.documents import BLANK, document_render, run_package
from workflows.models import DocumentTemplate, FormationRun, StepAttachment, StepEntry, WorkflowTemplate

PROPOSED = "乌海市海勃湾区测试商会妇女联合会"
ANSWERS = {
    "survey": {"employees": 120, "women": 60},
    "request": {
        "unit_name": "乌海市海勃湾区测试商会",
        "women": 60,
        "way": "单独建立",
        "proposed_name": PROPOSED,
        "seats": 5,
        "chair_seats": 1,
        "vice_chair_seats": 1,
        "congress_date": "2026-12-20",
        "reasons": "为加强女会员的联系服务，拟成立妇联。\n经商会党支部研究同意。",
        "contact_name": "王芳",
        "contact_mobile": "13904731234",
    },
    "approval": {
        "approving_body": "海勃湾区妇联",
        "approval_number": "海妇字〔2026〕8号",
        "approval_date": "2026-11-20",
        "approved_name": PROPOSED,
        "approved_seats": 5,
    },
    "candidates": {
        "candidates": [
            {"name": "张丽", "unit_post": "商会秘书长", "birth_month": "1985-03", "political_status": "中共党员",
             "education": "本科", "mobile": "13904730001", "proposed_office": "主席"},
            {"name": "李娜", "unit_post": "会员企业经理", "birth_month": "1990-07", "political_status": "群众",
             "education": "大专", "mobile": "13904730002", "proposed_office": "委员"},
        ]
    },
    "congress": {
        "congress_date": "2026-12-20",
        "expected": 30,
        "present": 28,
        "votes": [{"name": "张丽", "for": 27, "against": 1, "abstain": 0}],
    },
}  # fmt: skip
STATUS = {
    "survey": "approved",
    "request": "approved",
    "approval": "approved",
    "candidates": "submitted",
    "congress": "draft",
}


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def _document(code: str, packaged: str) -> DocumentTemplate:
    return DocumentTemplate.objects.get(step__template__key="federation", step__code=code, packaged=packaged)


@pytest.fixture
def run(people, settings, tmp_path):
    """A 妇联 run of a 海勃湾区 organisation: request, approval, candidates and congress answered, the rest
    to do; its liaison is the standard liaison, another organisation's is the other liaison."""
    settings.MEDIA_ROOT = tmp_path
    organisation = OrganisationFactory(name="乌海市海勃湾区测试商会")
    liaison = organisation.liaisons.create(name="王芳", mobile="13904731234", user=people["liaison"])
    OrganisationFactory(name="乌海市另一家测试公司").liaisons.create(
        name="赵敏", mobile="13904739999", user=people["other_liaison"]
    )
    template = WorkflowTemplate.objects.get(key="federation", version=1)
    run = FormationRun.objects.create(
        organisation=organisation,
        template=template,
        form="federation",
        way="standalone",
        owner=people["district_officer"],
        started_by=people["district_officer"],
        liaison=liaison,
    )
    for step in template.steps.all():
        StepEntry.objects.create(
            run=run,
            step=step,
            order=step.order,
            status=STATUS.get(step.code, "todo"),
            answers=ANSWERS.get(step.code, {}) if step.code in STATUS else {},
        )
    return run


def _entry(run, code: str) -> StepEntry:
    return run.entries.get(step__code=code)


def _document_url(run, code: str, packaged: str) -> str:
    return reverse(
        "workflows:document_download",
        kwargs={"pk": _entry(run, code).pk, "document": _document(code, packaged).pk},
    )


def test_the_request_paper_prints_the_answers_with_a_chinese_file_name(run, client_as, people):
    response = client_as(people["district_officer"]).get(_document_url(run, "request", "request.docx"))

    assert response.status_code == 200
    text = _docx_text(b"".join(response.streaming_content))
    assert f"关于成立{PROPOSED}的请示" in text
    assert "2026年12月20日" in text  # dates as official papers write them
    assert "海勃湾区妇联：" in text  # addressed to the owner's federation
    assert "经商会党支部研究同意。" in text  # a second line of a long answer is a paragraph of its own
    disposition = response["Content-Disposition"]
    assert disposition.lower().startswith("attachment;")
    assert "filename*=utf-8''" + quote("关于成立妇女组织的请示.docx") in disposition.replace("UTF-8", "utf-8")
    assert response["Cache-Control"] == "private, no-store"


def test_the_candidate_list_prints_every_candidate_in_its_table(run, client_as, people):
    response = client_as(people["liaison"]).get(_document_url(run, "candidates", "candidates.docx"))

    assert response.status_code == 200
    table = Document(io.BytesIO(b"".join(response.streaming_content))).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:2] == ["序号", "姓名"]
    assert rows[1][:4] == ["1", "张丽", "商会秘书长", "1985-03"]
    assert rows[2][1] == "李娜" and len(rows) == 3
    assert DisclosureLog.objects.filter(
        user=people["liaison"], object_id=str(_entry(run, "candidates").pk)
    ).exists()


def test_a_missing_answer_prints_as_a_blank_line(run):
    entry = _entry(run, "request")
    entry.answers = {key: value for key, value in entry.answers.items() if key not in {"reasons", "seats"}}
    entry.save()

    text = _docx_text(document_render(_document("request", "request.docx"), run))

    assert f"设委员{BLANK}名" in text
    assert "统一社会信用代码：" + BLANK in text  # never answered at all
    assert "{{" not in text


def test_every_packaged_paper_renders(run):
    for document in DocumentTemplate.objects.filter(step__template=run.template):
        text = _docx_text(document_render(document, run))
        assert "{{" not in text and "{%" not in text, document.packaged
    tally = _docx_text(document_render(_document("congress", "tally.docx"), run))
    assert "张丽" in tally and "27" in tally


def test_a_document_of_another_step_is_not_found(run, client_as, people):
    url = reverse(
        "workflows:document_download",
        kwargs={"pk": _entry(run, "approval").pk, "document": _document("request", "request.docx").pk},
    )
    assert client_as(people["district_officer"]).get(url).status_code == 404


def test_the_package_holds_the_papers_by_step_and_lists_what_is_missing(run, client_as, people):
    entry = _entry(run, "candidates")
    StepAttachment.objects.create(
        entry=entry,
        field="candidates",
        file=ContentFile(b"%PDF-1.4", name="scan.pdf"),
        original_name="候选人审核表.pdf",
        size=8,
        content_type="application/pdf",
    )

    response = client_as(people["liaison"]).get(reverse("workflows:package_download", kwargs={"pk": run.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "filename*=utf-8''" + quote("乌海市海勃湾区测试商会") in response["Content-Disposition"].replace(
        "UTF-8", "utf-8"
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "02 请示/关于成立妇女组织的请示.docx" in names
    assert "03 批复/关于同意成立妇女组织的批复.docx" in names
    assert "06 酝酿候选人/委员候选人名单.docx" in names
    assert "06 酝酿候选人/候选人审核表.pdf" in names
    assert not any(name.startswith("05 ") for name in names)  # delegates not produced yet
    assert all(info.flag_bits & 0x800 for info in archive.infolist() if not info.filename.isascii())
    [checklist] = [name for name in names if "/" not in name and name.endswith(".txt")]
    text = archive.read(checklist).decode("utf-8-sig")
    missing = text.split("✗", 1)[1]
    assert "05 产生代表" in missing and "代表名单" in missing
    assert "02 请示/关于成立妇女组织的请示.docx" in text.split("✗", 1)[0]
    assert f"关于成立{PROPOSED}的请示" in _docx_text(archive.read("02 请示/关于成立妇女组织的请示.docx"))
    assert DisclosureLog.objects.filter(user=people["liaison"], kind="export", object_id=str(run.pk)).exists()


def test_the_package_names_the_organisation_and_the_date(run):
    data, file_name = run_package(run)

    assert file_name.startswith("乌海市海勃湾区测试商会-") and file_name.endswith(".zip")
    assert timezone.localdate().isoformat() in file_name
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_an_attachment_is_downloaded_until_it_is_removed(run, client_as, people):
    attachment = StepAttachment.objects.create(
        entry=_entry(run, "candidates"),
        field="candidates",
        file=ContentFile(b"photo", name="photo.jpg"),
        original_name="挂牌照片.jpg",
        size=5,
        content_type="image/jpeg",
    )
    url = reverse("workflows:attachment_download", kwargs={"pk": attachment.pk})
    client = client_as(people["district_officer"])

    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"photo"
    assert quote("挂牌照片.jpg") in response["Content-Disposition"]

    attachment.removed_at = timezone.now()
    attachment.save()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("person", ["other_district_officer", "other_liaison"])
def test_outsiders_find_no_papers(run, client_as, people, person):
    attachment = StepAttachment.objects.create(
        entry=_entry(run, "request"),
        field="reasons",
        file=ContentFile(b"x", name="x.txt"),
        original_name="x.txt",
        size=1,
        content_type="text/plain",
    )
    client = client_as(people[person])
    for url in (
        _document_url(run, "request", "request.docx"),
        reverse("workflows:package_download", kwargs={"pk": run.pk}),
        reverse("workflows:attachment_download", kwargs={"pk": attachment.pk}),
    ):
        assert client.get(url).status_code == 404, url


def test_downloads_answer_get_only(run, client_as, people):
    url = reverse("workflows:package_download", kwargs={"pk": run.pk})
    assert client_as(people["district_officer"]).post(url).status_code == 405


def test_the_committed_templates_match_the_build_command():
    call_command("document_templates_build", "--check", stdout=io.StringIO())
