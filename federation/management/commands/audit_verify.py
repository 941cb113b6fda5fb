"""Recompute the logs' hash chains and name the first broken entry of each."""

from django.core.management.base import BaseCommand, CommandError

from federation.audit import LOGS, seal, verify


class Command(BaseCommand):
    help = "Check that no log entry was changed, removed or inserted since it was sealed (exit 1 if one was)."

    def add_arguments(self, parser):
        parser.add_argument("--log", choices=sorted(LOGS), action="append", help="only this log (repeatable)")
        parser.add_argument("--no-seal", action="store_true", help="do not seal new entries first")

    def handle(self, *args, log=None, no_seal=False, **options):
        names = tuple(log) if log else None
        if not no_seal:
            seal(names)
        checked, breaks = verify(names)
        for name, count in checked.items():
            self.stdout.write(f"{name}: {count} entries in order")
        if breaks:
            for broken in breaks:
                self.stderr.write(f"BROKEN {broken}")
            raise CommandError(f"{len(breaks)} chain(s) broken; the first broken entry of each is above.")
        self.stdout.write(self.style.SUCCESS("every chain is whole"))
