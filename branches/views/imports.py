"""Register import pages: upload, map unknown columns, preview, apply or discard, the error report.

Each import has one bookmarkable page (import_detail) that shows the step it is at; the state is the
RegisterImport row, never the session.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.fields.json import KeyTransform
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.errors import LedgerError
from branches.forms_imports import (
    WARNINGS,
    ColumnMappingForm,
    HeaderRowForm,
    ImportRowsFilterForm,
    RegisterUploadForm,
)
from branches.jobs import import_apply_start, import_job_running, import_upload_start
from branches.models import Category, Organisation, RegisterImport, SanxinField, UnitType
from branches.registers import RegisterError, import_template_xlsx
from branches.selectors import template_area_for
from branches.services.imports import (
    COUNT_KEYS,
    ROW_STATUSES,
    STATUS_LABELS,
    field_label,
    reason_text,
    register_import_apply,
    register_import_discard,
    register_import_errors_xlsx,
    register_import_head,
    register_import_header,
    register_import_map,
    register_import_table,
    register_import_upload,
    register_imports_for,
)
from federation import access
from federation.downloads import XLSX, attachment
from federation.identifiers import mobile_mask
from federation.models import Region
from federation.services import disclosure_record

PAGE_SIZE = 50
STATUS_BADGES = {
    "new": "text-bg-success",
    "update": "text-bg-primary",
    "unchanged": "text-bg-secondary",
    "duplicate": "text-bg-warning",
    "repeated": "text-bg-info",
    "invalid": "text-bg-danger",
}


@require_GET
def import_list(request):
    access.require(request.user, "ledger.import")
    # The stored preview can be megabytes: the list reads only its counts.
    imports = (
        register_imports_for(request.user).defer("summary").annotate(counts=KeyTransform("counts", "summary"))
    )
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "branches/import_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def import_upload(request):
    access.require(request.user, "ledger.import")
    form = RegisterUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_INLINE_BYTES:  # read and previewed off the request
            job = import_upload_start(
                by=request.user,
                data=upload.read(),
                file_name=upload.name,
                source_name=form.cleaned_data["source"],
                defaults=form.defaults(),
            )
            return redirect("jobs:detail", pk=job.pk)
        try:
            register_import = register_import_upload(
                by=request.user,
                data=upload.read(),
                file_name=upload.name,
                source_name=form.cleaned_data["source"],
                defaults=form.defaults(),
            )
        except RegisterError as error:
            form.add_error("file", error.message)
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            return redirect("branches:import_detail", pk=register_import.pk)
    return render(request, "branches/import_upload.html", {"form": form})


@require_GET
def import_template(request):
    access.require(request.user, "ledger.import")
    # The blank template holds no personal data: nothing to keep from a cache.
    response = HttpResponse(import_template_xlsx(template_area_for(request.user)), content_type=XLSX)
    return attachment(response, _("ledger-import-template") + ".xlsx", private=False)


@require_GET
def import_detail(request, pk):
    register_import = get_object_or_404(register_imports_for(request.user), pk=pk)
    access.require(request.user, "ledger.import")
    context = _detail_context(request, register_import)
    if request.htmx:
        return render(request, "branches/_import_rows.html", context)
    return render(request, "branches/import_detail.html", context)


@require_POST
def import_mapping(request, pk):
    register_import = get_object_or_404(register_imports_for(request.user), pk=pk)
    access.require(request.user, "ledger.import")
    form = _mapping_form(register_import, request.POST)
    if form is not None and form.is_valid():
        try:
            register_import_map(register_import=register_import, by=request.user, mapping=form.mapping())
        except LedgerError as error:
            messages.error(request, error.message)
        return redirect("branches:import_detail", pk=register_import.pk)
    return render(request, "branches/import_detail.html", _detail_context(request, register_import, form))


@require_POST
def import_header(request, pk):
    """The row that holds the headers of a file where none was found, and what each column holds."""
    register_import = get_object_or_404(register_imports_for(request.user), pk=pk)
    access.require(request.user, "ledger.import")
    form = _header_form(register_import, request.POST)
    if form is None:
        messages.error(request, _("This file's header row is known already."))
        return redirect("branches:import_detail", pk=register_import.pk)
    if form.is_valid():
        try:
            register_import_header(
                register_import=register_import,
                by=request.user,
                header_row=form.cleaned_data["header_row"],
                columns=form.columns(),
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            return redirect("branches:import_detail", pk=register_import.pk)
    context = _detail_context(request, register_import, header_form=form)
    return render(request, "branches/import_detail.html", context, status=200)


@require_POST
def import_apply(request, pk):
    # The stored preview can be tens of megabytes: the apply reads it again under its lock, the page need not.
    register_import = get_object_or_404(register_imports_for(request.user).defer("summary"), pk=pk)
    access.require(request.user, "ledger.import")
    if (
        register_import.size > settings.IMPORT_INLINE_BYTES
        and register_import.status == RegisterImport.Status.PREVIEWED
    ):
        job = import_apply_start(by=request.user, register_import=register_import)
        return redirect("jobs:detail", pk=job.pk)
    try:
        counts = register_import_apply(register_import=register_import, by=request.user)
    except LedgerError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The register was imported: %(new)s organisations added, %(updated)s updated.") % counts,
        )
    return redirect("branches:import_detail", pk=register_import.pk)


@require_POST
def import_discard(request, pk):
    register_import = get_object_or_404(register_imports_for(request.user), pk=pk)
    access.require(request.user, "ledger.import")
    try:
        register_import_discard(register_import=register_import, by=request.user)
    except LedgerError as error:
        messages.error(request, error.message)
        return redirect("branches:import_detail", pk=register_import.pk)
    messages.success(request, _("The import was discarded; nothing was written to the ledger."))
    return redirect("branches:import_list")


@require_GET
def import_errors(request, pk):
    register_import = get_object_or_404(register_imports_for(request.user), pk=pk)
    access.require(request.user, "ledger.import")
    content = register_import_errors_xlsx(register_import=register_import)
    # The report repeats the file's own columns, mobile numbers included: each download is on record.
    disclosure_record(
        user=request.user,
        kind="export",
        what=_("Rows not imported from %(file)s") % {"file": register_import.file_name},
        obj=register_import,
        row_count=_not_applied(register_import) + (register_import.summary or {}).get("applied_warnings", 0),
    )
    filename = _("import-%(id)s-rows-not-imported") % {"id": register_import.pk} + ".xlsx"
    return attachment(HttpResponse(content, content_type=XLSX), filename)


# --------------------------------------------------------------------------------------------------------
# Helpers of the detail page
# --------------------------------------------------------------------------------------------------------


def _not_applied(register_import: RegisterImport) -> int:
    counts = (register_import.summary or {}).get("counts") or {}
    return sum(counts.get(COUNT_KEYS[status], 0) for status in ("duplicate", "repeated", "invalid"))


def _header_form(register_import: RegisterImport, data=None) -> HeaderRowForm | None:
    """The header-row picker of a file whose header row was not found (None once it is known)."""
    table = (register_import.summary or {}).get("table") or {}
    if register_import.status != RegisterImport.Status.UPLOADED or not table.get("needs_header"):
        return None
    head = register_import_head(register_import)
    if not head:
        return None
    return HeaderRowForm(data, head=head, mapping=register_import.mapping or {})


def _mapping_form(register_import: RegisterImport, data=None) -> ColumnMappingForm | None:
    """The columns the reader did not know (and those the user already mapped), each with its choice."""
    if register_import.status not in (RegisterImport.Status.UPLOADED, RegisterImport.Status.PREVIEWED):
        return None
    table = register_import_table(register_import)
    chosen = register_import.mapping or {}
    headers = [
        header
        for header in table.get("headers", [])
        if header in chosen or header in table.get("unknown", [])
    ]
    known = {header: key for header, key in table.get("mapping", {}).items() if header not in chosen}
    return ColumnMappingForm(data, unknown=headers, known=known, mapping=chosen)


def _display(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "field":
        return str(SanxinField(value).label) if value in SanxinField.values else str(value)
    if name == "unit_type":
        return str(UnitType(value).label) if value in UnitType.values else str(value)
    if name == "contact_mobile":
        return mobile_mask(str(value))  # the full number is shown only with "personal.reveal"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


def _defaults_view(defaults: dict[str, Any]) -> list[tuple[str, str]]:
    """The file's defaults as (label, value) pairs for the page (two small queries, only when there are any)."""
    shown = []
    if defaults.get("field") in SanxinField.values:
        shown.append((field_label("field"), str(SanxinField(defaults["field"]).label)))
    if defaults.get("district"):
        district = Region.objects.filter(pk=defaults["district"]).values_list("name", flat=True).first()
        if district:
            shown.append((field_label("district"), district))
    if defaults.get("categories"):
        names = Category.objects.filter(pk__in=defaults["categories"]).values_list("name", flat=True)
        shown.append((str(Organisation._meta.get_field("categories").verbose_name), "、".join(names)))
    return shown


def _filled(marks: dict[str, dict]) -> list[str]:
    """How the values a row did not give were come by: "Field: worked out from the credit code" …"""
    notes = []
    for name, mark in marks.items():
        label = (
            capfirst(Organisation._meta.get_field("categories").verbose_name)
            if name == "categories"
            else field_label(name)
        )
        if mark.get("how") == "default":
            how = _("default of this file")
        elif mark.get("from") == "uscc":
            how = _("worked out from the credit code")
        else:
            how = _("worked out from the unit type")
        notes.append(_("%(field)s: %(how)s") % {"field": label, "how": how})
    return notes


def _row_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": row["n"],
        "status": row["s"],
        "label": STATUS_LABELS[row["s"]],
        "badge": STATUS_BADGES[row["s"]],
        "name": row.get("name") or "—",
        "uscc": row.get("uscc", ""),
        "target": row.get("o"),
        "target_name": row.get("on", row.get("name", "")) if row.get("o") else "",
        "changes": [
            {"label": field_label(name), "old": _display(name, old), "new": _display(name, new)}
            for name, (old, new) in row.get("d", {}).items()
        ],
        "reasons": [reason_text(entry) for entry in row.get("r", [])],
        "warnings": [reason_text(entry) for entry in row.get("w", [])],
        "filled": _filled(row.get("i") or {}),
    }


def _detail_context(
    request, register_import: RegisterImport, mapping_form=None, header_form=None
) -> dict[str, Any]:
    summary = register_import.summary or {}
    counts = summary.get("counts") or {}
    rows = summary.get("rows") or []
    shown = ImportRowsFilterForm(request.GET or None).shown()
    if shown == WARNINGS:
        rows = [row for row in rows if row.get("w")]
    elif shown:
        rows = [row for row in rows if row["s"] == shown]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [{"key": "", "label": _("All rows"), "count": len(summary.get("rows") or [])}]
    tabs += [
        {"key": status, "label": STATUS_LABELS[status], "count": counts.get(COUNT_KEYS[status], 0)}
        for status in ROW_STATUSES
    ]
    tabs.append({"key": WARNINGS, "label": _("With warnings"), "count": summary.get("warnings", 0)})
    if header_form is None:
        header_form = _header_form(register_import)
    if (
        mapping_form is None
        and header_form is None
        and register_import.status == RegisterImport.Status.UPLOADED
    ):
        mapping_form = _mapping_form(register_import)
    remap_form = None
    if register_import.status == RegisterImport.Status.PREVIEWED:
        remap_form = mapping_form or _mapping_form(register_import)
        if remap_form is not None and not remap_form.fields:
            remap_form = None
        mapping_form = None
    table = summary.get("table") or {}
    return {
        "register_import": register_import,
        "running_job": import_job_running(register_import),
        "Status": RegisterImport.Status,
        "counts": {key: counts.get(key, 0) for key in (*COUNT_KEYS.values(), "not_in_latest")},
        "not_applied": _not_applied(register_import),
        "counts_warned": summary.get("applied_warnings", 0),
        "to_check": _not_applied(register_import) + summary.get("applied_warnings", 0),
        "table": table,
        "recognised": [(header, field_label(key)) for header, key in table.get("mapping", {}).items() if key],
        "tabs": [tab for tab in tabs if tab["count"] or tab["key"] in ("", shown)],
        "shown": shown,
        "row_total": len(summary.get("rows") or []),
        "page": page,
        "rows": [_row_view(row) for row in page.object_list],
        "mapping_form": mapping_form,
        "remap_form": remap_form,
        "not_in_latest": summary.get("not_in_latest") or [],
        "same_file": summary.get("same_file"),
        "defaults": _defaults_view(register_import.defaults or {}),
        "header_form": header_form,
        "remembered": table.get("remembered") or [],
    }
