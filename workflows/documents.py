"""The papers of a formation run: .docx templates filled with the run's answers (docxtpl), and the whole set
packed as one ZIP with a checklist of what is still missing.

Templates see `document_context(run)`: the organisation, the run (with its form's words: {{ run.chair }},
{{ run.member }} …), the owner's federation unit, today's date and, under each step's code, that step's
answers ready to print ({{ request.proposed_name }}); the candidates come in 姓氏笔画 order. A missing
answer prints as a blank line to fill by hand, never as an error, so a paper can be printed early.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .election import NOMINATION_STEP
from .models import (
    DocumentTemplate,
    FieldSpec,
    FieldType,
    FormationRun,
    StepAttachment,
    StepEntry,
    StepStatus,
)
from .strokes import by_surname_strokes
from .wording import form_words

PACKAGED_DIR = Path(__file__).resolve().parent / "document_templates"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BLANK = "＿＿＿＿"
# steps whose answers go into the package (a step not started has none worth printing)
PACKAGED_STATUSES = frozenset(
    {StepStatus.DRAFT, StepStatus.SUBMITTED, StepStatus.RETURNED, StepStatus.APPROVED}
)
PERSONAL_FIELD_TYPES = frozenset({FieldType.PEOPLE, FieldType.VOTES})

# characters XML 1.0 refuses; they would make Word reject the whole file
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNSAFE_PATH = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_CHINESE_DIGITS = "零一二三四五六七八九十"


class DocumentUnavailable(Exception):
    """A paper cannot be produced (no template file, or a template that does not render); message for users."""


class BlankUndefined(ChainableUndefined):
    """A missing answer: prints as a blank line, is empty in loops and false in tests, and never raises."""

    __slots__ = ()

    def __str__(self) -> str:
        return BLANK

    def __html__(self) -> str:
        return BLANK


class _DocumentEnvironment(SandboxedEnvironment):
    """Sandboxed, because admins upload templates; an answer named like a dict method ("values", "items")
    must still read as the answer, so mapping keys win over attributes."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def chinese_date(value: dt.date | None) -> str:
    """2026-11-28 → 2026年11月28日 (the way dates are written in official papers)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _fraction(numerator: int, denominator: int) -> str:
    """2/3 → 三分之二 for the small numbers election rules use."""
    if 0 < numerator <= 10 and 0 < denominator <= 10:
        return f"{_CHINESE_DIGITS[denominator]}分之{_CHINESE_DIGITS[numerator]}"
    return f"{numerator}/{denominator}"


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _value(spec: FieldSpec | None, value: Any, attachments: dict[int, str]) -> Any:
    """One answer as a template prints it; None when there is nothing to print."""
    if _is_missing(value):
        return None
    field_type = spec.type if spec is not None else None
    if field_type == FieldType.DATE and isinstance(value, str):
        try:
            return chinese_date(dt.date.fromisoformat(value))
        except ValueError:
            return _clean(value)
    if field_type == FieldType.BOOLEAN or isinstance(value, bool):
        return "是" if value else "否"
    if field_type in PERSONAL_FIELD_TYPES and isinstance(value, list):
        columns = [name for name, _label in spec.column_list]
        rows = []
        for row in value:
            if not isinstance(row, dict):
                continue
            cells = {key: _cell(row.get(key)) for key in {*columns, *row}}
            rows.append(cells)
        return rows
    if field_type == FieldType.FILE and isinstance(value, list):
        return [attachments[pk] for pk in value if pk in attachments]
    if field_type == FieldType.TEXTAREA and isinstance(value, str):
        # docxtpl turns \a into a new paragraph with the same formatting (first-line indent and all)
        lines = [line.strip() for line in _clean(value).replace("\r\n", "\n").split("\n")]
        return "\a".join(line for line in lines if line)
    if isinstance(value, str):
        return _clean(value).replace("\r", "").replace("\n", " ")
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return _clean(str(value)).replace("\n", " ")


def _entries(run: FormationRun) -> list[StepEntry]:
    return list(
        run.entries.select_related("step")
        .prefetch_related(
            "step__fields",
            Prefetch("attachments", queryset=StepAttachment.objects.filter(removed_at__isnull=True)),
        )
        .order_by("order", "id")
    )


def _step_answers(entry: StepEntry) -> dict[str, Any]:
    specs = {spec.name: spec for spec in entry.step.fields.all()}
    attachments = {attachment.pk: attachment.original_name for attachment in entry.attachments.all()}
    answers = {}
    for name, raw in (entry.answers or {}).items():
        value = _value(specs.get(name), raw, attachments)
        if value is not None:
            answers[name] = value
    return answers


def document_context(run: FormationRun, entries: Iterable[StepEntry] | None = None) -> dict[str, Any]:
    """Everything a paper may print: org, run, federation_unit, today, women_org, steps and every step's answers."""
    entries = _entries(run) if entries is None else entries
    organisation = run.organisation
    with translation.override("zh-hans"):  # the papers are Chinese whatever the reader's language
        form_label, way_label = str(run.get_form_display()), str(run.get_way_display())
    region = organisation.region
    context: dict[str, Any] = {}
    steps: dict[str, dict[str, str]] = {}
    for entry in entries:
        context[entry.step.code] = _step_answers(entry)
        steps[entry.step.code] = {"title": entry.step.title, "status": entry.status}
    _candidates_in_stroke_order(context.get(NOMINATION_STEP))
    org = {
        "name": organisation.name,
        "uscc": organisation.uscc,
        "address": organisation.address,
        "district": organisation.district.name if organisation.district_id else "",
        "street": region.name if region.level == region.Level.STREET else "",
        "women": organisation.women,
        "employees": organisation.employees,
        "contact_name": organisation.contact_name,
    }
    approval, request = context.get("approval", {}), context.get("request", {})
    approved = approval.get("approved_name") or request.get("proposed_name")
    unit = getattr(run.owner, "unit", None)
    context.update(
        {
            # remove the empty ones so that they print as blanks too
            "org": {key: value for key, value in org.items() if not _is_missing(value)},
            "run": {
                "form": form_label,
                "way": way_label,
                "template": run.template.name,
                "started": chinese_date(timezone.localdate(run.started_at)) if run.started_at else "",
                "quorum": _fraction(run.template.quorum_numerator, run.template.quorum_denominator),
                # the form's own words: {{ run.chair }} is 主席 for a 妇联, 主任 for a 妇委会, 组长 for a group
                **form_words(run.form),
            },
            "today": chinese_date(timezone.localdate()),
            "steps": steps,
        }
    )
    if unit is not None:
        context["federation_unit"] = unit.name
    if approved or run.branch_id:
        context["women_org"] = approved or run.branch.name
    return context


def _candidates_in_stroke_order(answers: dict[str, Any] | None) -> None:
    """The candidate step's tables in 姓氏笔画 order, as the candidate list and the ballot print them."""
    for name, value in (answers or {}).items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            answers[name] = by_surname_strokes(value, lambda row: row.get("name", ""))


def _template_file(document: DocumentTemplate) -> IO[bytes]:
    if document.file:
        try:
            return document.file.open("rb")
        except FileNotFoundError:
            pass
    elif document.packaged:
        path = PACKAGED_DIR / Path(document.packaged).name
        if path.is_file():
            return path.open("rb")
    raise DocumentUnavailable(_("The template file of “%(title)s” is missing.") % {"title": document.title})


def _render(document: DocumentTemplate, context: dict[str, Any]) -> bytes:
    with _template_file(document) as source:
        template = DocxTemplate(source)
        try:
            template.render(
                context, jinja_env=_DocumentEnvironment(undefined=BlankUndefined), autoescape=True
            )
        except TemplateError as error:
            raise DocumentUnavailable(
                _("The template of “%(title)s” cannot be filled in: %(error)s")
                % {"title": document.title, "error": error}
            ) from error
        output = io.BytesIO()
        template.save(output)
    return output.getvalue()


def document_render(document: DocumentTemplate, run: FormationRun) -> bytes:
    """The paper filled with the run's answers, as .docx bytes; DocumentUnavailable when it cannot be made."""
    return _render(document, document_context(run))


def document_file_name(document: DocumentTemplate) -> str:
    return f"{_safe(document.title)}.docx"


def document_has_personal_data(document: DocumentTemplate) -> bool:
    """Whether the paper prints people (tables of names, mobiles): downloading it is logged."""
    return any(
        spec.type in PERSONAL_FIELD_TYPES or "mobile" in spec.name for spec in document.step.fields.all()
    )


def _safe(name: str) -> str:
    return _UNSAFE_PATH.sub("_", name).strip(" .") or "_"


def _missing_required(entry: StepEntry) -> list[str]:
    answers = entry.answers or {}
    return [
        spec.label
        for spec in entry.step.fields.all()
        if spec.required and _is_missing(answers.get(spec.name))
    ]


def run_package(run: FormationRun) -> tuple[bytes, str]:
    """Every paper the run can produce so far, its attachments and a checklist of what is missing, as one
    ZIP (UTF-8 names, one folder per step); returns the bytes and the file name."""
    entries = _entries(run)
    context = document_context(run, entries)
    documents: dict[int, list[DocumentTemplate]] = {}
    for document in DocumentTemplate.objects.filter(step__template_id=run.template_id).order_by(
        "order", "id"
    ):
        documents.setdefault(document.step_id, []).append(document)
    by_step = {entry.step_id: entry for entry in entries}
    steps = run.template.steps.all().order_by("order", "id")

    included: list[str] = []
    missing: list[str] = []
    used: set[str] = set()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(path: str, data: bytes) -> str:
            stem, dot, suffix = path.rpartition(".")
            candidate, number = path, 2
            while candidate in used:  # two uploads named alike keep both
                candidate = f"{stem} ({number}){dot}{suffix}" if dot else f"{path} ({number})"
                number += 1
            used.add(candidate)
            archive.writestr(candidate, data)
            return candidate

        for step in steps:
            entry = by_step.get(step.pk)
            folder = f"{step.order:02d} {_safe(step.title)}"
            step_documents = documents.get(step.pk, [])
            answered = entry is not None and entry.status in PACKAGED_STATUSES and bool(entry.answers)
            if not answered:
                if step_documents:
                    titles = "、".join(document.title for document in step_documents)
                    missing.append(
                        _("%(step)s: not filled in yet (papers: %(documents)s)")
                        % {"step": folder, "documents": titles}
                    )
                else:
                    missing.append(_("%(step)s: not done yet") % {"step": folder})
            else:
                status = entry.get_status_display()
                for document in step_documents:
                    try:
                        data = _render(document, context)
                    except DocumentUnavailable as error:
                        missing.append(f"{folder}/{document_file_name(document)}: {error}")
                        continue
                    path = add(f"{folder}/{document_file_name(document)}", data)
                    included.append(f"{path} ({status})")
                unanswered = _missing_required(entry)
                if unanswered:
                    missing.append(
                        _("%(step)s: answers still missing: %(fields)s")
                        % {"step": folder, "fields": "、".join(unanswered)}
                    )
            if entry is None:
                continue
            for attachment in entry.attachments.all():
                try:
                    with attachment.file.open("rb") as handle:
                        data = handle.read()
                except (FileNotFoundError, ValueError):
                    missing.append(
                        _("%(step)s: the file %(name)s could not be read")
                        % {"step": folder, "name": attachment.original_name}
                    )
                    continue
                included.append(add(f"{folder}/{_safe(attachment.original_name)}", data))

        today = timezone.localdate()
        checklist_name = _("papers checklist") + ".txt"
        archive.writestr(checklist_name, _checklist(run, today, included, missing).encode("utf-8-sig"))

    file_name = _("%(organisation)s-formation papers-%(date)s") % {
        "organisation": _safe(run.organisation.name),
        "date": today.isoformat(),
    }
    return buffer.getvalue(), f"{file_name}.zip"


def _checklist(run: FormationRun, today: dt.date, included: list[str], missing: list[str]) -> str:
    """The package's checklist as text; CRLF and a BOM so that Notepad and WPS on Windows read it right."""
    lines = [
        _("Formation papers of %(organisation)s") % {"organisation": run.organisation.name},
        _("Procedure: %(template)s") % {"template": run.template.name},
        _("Prepared on %(date)s") % {"date": today.isoformat()},
        "",
        _("Included (%(count)s):") % {"count": len(included)},
        *(f"  ✓ {line}" for line in included),
        "",
        _("Still missing (%(count)s):") % {"count": len(missing)},
        *(f"  ✗ {line}" for line in missing),
    ]
    if not missing:
        lines.append("  " + _("Nothing: the papers are complete."))
    return "\r\n".join(lines) + "\r\n"
