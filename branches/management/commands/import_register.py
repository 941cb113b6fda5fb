"""manage.py import_register FILE --source NAME [--dry-run] [--user USERNAME]: a register into the ledger."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from branches.errors import LedgerError
from branches.models import Category
from branches.names import name_normalise
from branches.registers import RegisterError
from branches.services.imports import register_import_run
from branches.services.imports.lookups import _Places, field_from_text
from federation.models import User


class Command(BaseCommand):
    help = (
        "Import a register (XLSX, XLS or CSV) into the ledger as the register NAME, as the page does, and print "
        "one line of counts. Columns the reader does not recognise are left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the register file")
        parser.add_argument("--source", required=True, help="the register's name, e.g. 民政局社会组织名录")
        parser.add_argument("--dry-run", action="store_true", help="classify the rows and write nothing")
        parser.add_argument(
            "--user", help="who imports (their area limits the rows); default: the first active superuser"
        )
        parser.add_argument(
            "--field", help="field of rows that do not say, e.g. 新社会组织 (a default of the file)"
        )
        parser.add_argument("--district", help="district of rows that do not say, e.g. 海勃湾区")
        parser.add_argument(
            "--category", action="append", default=[], help="a category added to every row (repeatable)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        user = self._user(options["user"])
        try:
            counts = register_import_run(
                by=user,
                data=data,
                file_name=path.name,
                source_name=options["source"],
                dry_run=options["dry_run"],
                defaults=self._defaults(options),
            )
        except (RegisterError, LedgerError) as error:
            raise CommandError(f"{path}: {error.message}") from error
        except PermissionDenied as error:
            raise CommandError(f"{user.username} may not import registers.") from error
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))

    def _defaults(self, options) -> dict:
        """The file's defaults from --field, --district and --category, by the names people write."""
        defaults: dict = {}
        if options["field"]:
            defaults["field"] = field_from_text(options["field"])
            if not defaults["field"]:
                raise CommandError(f"{options['field']!r} is not one of the three fields.")
        if options["district"]:
            district = _Places().district(options["district"])
            if district is None:
                raise CommandError(f"{options['district']!r} is not a district.")
            defaults["district"] = district.pk
        names = [name_normalise(name) for name in options["category"]]
        categories = {name_normalise(category.name): category.pk for category in Category.objects.all()}
        missing = [
            name for name, key in zip(options["category"], names, strict=True) if key not in categories
        ]
        if missing:
            raise CommandError(f"No category is called {'、'.join(missing)}.")
        if names:
            defaults["categories"] = [categories[key] for key in names]
        return defaults

    def _user(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user is called {username!r}.")
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("There is no active superuser: say who imports with --user USERNAME.")
        return user
