"""The database triggers that mark every change to what the coverage figures count (CoverageChange).

A trigger, not application code, so that nothing can change the data without the figures knowing: a form, a
service, an import's COPY, the admin or a shell. PostgreSQL marks once per transaction (a statement-level
trigger remembers in a transaction-local setting that it has marked); SQLite, whose triggers run per row, adds
a mark only when none is waiting. Migrations call these with the tables of their day.
"""

from __future__ import annotations

MARKS = "coverage_coveragechange"
FUNCTION = "coverage_change_mark"


def _name(table: str, operation: str = "") -> str:
    return f"coverage_mark_{table}{'_' + operation.lower() if operation else ''}"[:63]


def triggers_create(schema_editor, tables: list[str]) -> None:
    """Create the marking triggers on the given tables (replacing any of the same name)."""
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('coverage.marked', true) IS DISTINCT FROM '1' THEN
                    PERFORM set_config('coverage.marked', '1', true);
                    INSERT INTO {MARKS} DEFAULT VALUES;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)} ON {quote(table)}")
            schema_editor.execute(
                f"CREATE TRIGGER {_name(table)} AFTER INSERT OR UPDATE OR DELETE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                name = _name(table, operation)
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {operation} ON {quote(table)} BEGIN "
                    f"INSERT INTO {MARKS} (id) SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM {MARKS}); END"
                )


def triggers_drop(schema_editor, tables: list[str]) -> None:
    """Remove the marking triggers from the given tables."""
    vendor = schema_editor.connection.vendor
    quote = schema_editor.quote_name
    if vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)} ON {quote(table)}")
    elif vendor == "sqlite":
        for table in tables:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table, operation)}")


def counted_tables(apps) -> list[str]:
    """The tables the figures read (with the link tables of their many-to-many fields), from a migration's
    state of the models."""
    models = [
        ("branches", "Organisation"),
        ("branches", "Branch"),
        ("branches", "StageChange"),
        ("branches", "ContactLog"),
        ("activities", "Activity"),
        ("activities", "Alliance"),
        ("answers", "Question"),
        ("workflows", "FormationRun"),
        ("workflows", "StepEntry"),
    ]
    tables = []
    for app_label, name in models:
        model = apps.get_model(app_label, name)
        tables.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
    return tables
