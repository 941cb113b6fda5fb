"""Register import: a department's register file, previewed against the ledger, then applied all at once.

The flow lives in the database, one state per step: ``register_import_upload`` stores the file (status
uploaded); ``register_import_map`` settles columns the reader did not recognise; the preview (which every
row will be: new, update, unchanged, possible duplicate, repeated in the file, invalid) is stored on
``RegisterImport.summary``; ``register_import_apply`` recomputes it under locks and writes it in one
transaction, or ``register_import_discard`` drops it. ``register_import_run`` does it all in one call for the
``import_register`` command and the benchmark.

Matching a row to the ledger: by credit code first, else by normalised name when exactly one active record
has it and the codes do not conflict. A row that finds a merged record updates the record it was merged into;
a row that finds an archived record is a possible duplicate (staff restore the record first: an import never
brings an archived organisation back on its own).

Apply is built for tens of thousands of rows: the file is read as it is classified, a batch of rows at a time;
only the records whose codes or normalised names a batch holds are read from the ledger, while the next batch is
read; on PostgreSQL each batch is written (COPY and set-based statements, the history rows copied from the written
rows by the database) on the import's own connection by a second thread while the rows after it are read, all in
the one transaction (see ``background``). No query runs per row.

The modules: ``texts`` (statuses, reasons and their messages), ``lookups`` (the spellings of fields, unit types
and places; the records a file names), ``classify`` (what each row is), ``write`` (the atomic apply),
``background`` (the database's work while Python works), ``files`` (the stored file), ``flow`` (the services,
step by step), ``report`` (the error report XLSX).
"""

from branches.services.imports.files import register_import_head, register_import_table, upload_limit_bytes
from branches.services.imports.flow import (
    register_import_apply,
    register_import_discard,
    register_import_header,
    register_import_map,
    register_import_run,
    register_import_upload,
    register_imports_for,
)
from branches.services.imports.report import register_import_errors_xlsx
from branches.services.imports.texts import (
    COUNT_KEYS,
    ROW_STATUSES,
    STATUS_LABELS,
    column_choices,
    field_label,
    reason_text,
)

__all__ = [
    "COUNT_KEYS",
    "ROW_STATUSES",
    "STATUS_LABELS",
    "column_choices",
    "field_label",
    "reason_text",
    "register_import_apply",
    "register_import_discard",
    "register_import_errors_xlsx",
    "register_import_head",
    "register_import_header",
    "register_import_map",
    "register_import_run",
    "register_import_table",
    "register_import_upload",
    "register_imports_for",
    "upload_limit_bytes",
]
