"""manage.py backup: the database and the uploaded files into a new, timestamped directory with a manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from federation.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc on PostgreSQL, SQLite's backup API on SQLite) and MEDIA_ROOT into "
        "DIR/backup-YYYYmmdd-HHMMSS/ with a manifest of row counts and checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="Directory for the backups (default: BACKUP_DIR)."
        )

    def handle(self, *args, output=None, **options):
        output = output or Path(settings.BACKUP_DIR)
        try:
            outcome = backup_create(output=output)
        except BackupError as error:
            raise CommandError(error.message) from None
        manifest = outcome.manifest
        files = manifest["files"]
        self.stdout.write(f"backup written to {outcome.path}")
        self.stdout.write(
            f"  database {manifest['database']}: {files['database']['size']:,} bytes "
            f"in {outcome.seconds['database']:.2f} s"
        )
        self.stdout.write(
            f"  media: {manifest['media_files']} files, {files['media']['size']:,} bytes "
            f"in {outcome.seconds['media']:.2f} s"
        )
        counted = ", ".join(
            f"{label.split('.')[-1]}={count}"
            for label, count in manifest["counts"].items()
            if count is not None
        )
        self.stdout.write(f"  rows: {counted}")
