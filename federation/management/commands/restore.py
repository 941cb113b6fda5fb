"""manage.py restore DIR: a backup into an empty database and its files into MEDIA_ROOT, checked."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from federation.backups import BackupError, backup_restore, database_from_url


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database (this app's, or --database-url) "
        "and its uploaded files into MEDIA_ROOT; checksums are verified first, row counts compared after."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", type=Path, help="A backup directory, or the directory holding backups."
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="Restore into this database instead of the app's own (DATABASE_URL).",
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            default=None,
            help="Restore the uploaded files here (default: MEDIA_ROOT).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Replace the contents of a non-empty database."
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, directory, database_url="", media_root=None, force=False, yes=False, **options):
        try:
            db = database_from_url(database_url) if database_url else connections["default"].settings_dict
        except BackupError as error:
            raise CommandError(error.message) from None
        media_root = media_root or Path(settings.MEDIA_ROOT)
        if not yes:
            answer = input(
                f"Restore {directory} into the database {db['NAME']!r} and {media_root}? Type yes: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            outcome = backup_restore(path=directory, db=db, media_root=media_root, force=force)
        except BackupError as error:
            raise CommandError(error.message) from None
        manifest = outcome.manifest
        self.stdout.write(f"restored {outcome.path} (made {manifest['created_at']}) into {db['NAME']!r}")
        self.stdout.write(
            f"  checksums verified in {outcome.seconds['verify']:.2f} s; database restored in "
            f"{outcome.seconds['database']:.2f} s; {manifest['media_files']} files into {media_root} "
            f"in {outcome.seconds['media']:.2f} s"
        )
        width = max(len(label) for label in outcome.counts)
        self.stdout.write(f"  {'table'.ljust(width)}  {'backup':>9}  {'restored':>9}")
        mismatched = []
        for label, (expected, restored) in outcome.counts.items():
            mark = "" if expected == restored else "  ≠"
            if mark:
                mismatched.append(label)
            self.stdout.write(f"  {label.ljust(width)}  {expected!s:>9}  {restored!s:>9}{mark}")
        if mismatched:
            raise CommandError(f"The restored row counts differ from the backup's: {', '.join(mismatched)}.")
        self.stdout.write("  every row count matches the backup")
