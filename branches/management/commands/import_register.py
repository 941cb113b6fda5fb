"""manage.py import_register FILE --source NAME [--dry-run] [--user USERNAME]: a register into the ledger."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from branches.errors import LedgerError
from branches.registers import RegisterError
from branches.services.imports import register_import_run
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
            )
        except (RegisterError, LedgerError) as error:
            raise CommandError(f"{path}: {error.message}") from error
        except PermissionDenied as error:
            raise CommandError(f"{user.username} may not import registers.") from error
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))

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
