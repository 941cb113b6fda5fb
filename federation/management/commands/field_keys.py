"""The keys that encrypt personal fields at rest: make one, check what the database holds, rotate."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from federation.fieldcrypt import encrypted_models, key_new, keys, reseal, survey


class Command(BaseCommand):
    help = (
        "new: print a FIELD_KEYS entry with a fresh secret. check: count the encrypted values by key and fail "
        "if any cannot be opened or is stored plain. rotate: seal every value again under the current (first) "
        "key, after which older keys can be removed from FIELD_KEYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["new", "check", "rotate"])
        parser.add_argument("--sm4", action="store_true", help="new: an SM4 key (国密) instead of AES-256")
        parser.add_argument("--id", default="", help="new: the key's id (default: k<number of keys + 1>)")

    def handle(self, *args, action: str, sm4: bool = False, id: str = "", **options):
        if action == "new":
            self.stdout.write(key_new("sm4" if sm4 else "aes", id or f"k{len(keys()) + 1}"))
            self.stderr.write(
                "Put it first in FIELD_KEYS (keep the old keys after it), restart, then run `field_keys rotate`."
            )
        elif action == "check":
            self._check()
        else:
            self._rotate()

    def _check(self) -> None:
        current, problems = keys()[0].id, 0
        for model in encrypted_models():
            for field, tally in survey(model).items():
                described = ", ".join(f"{count} {kind}" for kind, count in sorted(tally.items())) or "empty"
                self.stdout.write(f"{model._meta.label}.{field}: {described}")
                problems += tally.get("unreadable", 0) + tally.get("plain", 0)
                if any(kind not in (current, "plain", "unreadable") for kind in tally):
                    self.stdout.write("  (some values are under an older key: run `field_keys rotate`)")
        if problems:
            raise CommandError(
                f"{problems} value(s) are stored plain or cannot be opened with FIELD_KEYS "
                "(plain: run `field_keys rotate`; unreadable: a key is missing or wrong)."
            )
        self.stdout.write(self.style.SUCCESS(f"every value opens; the current key is {current!r}"))

    def _rotate(self) -> None:
        current = keys()[0].id
        for model in encrypted_models():
            with transaction.atomic():
                read, rewritten = reseal(model)
            self.stdout.write(
                f"{model._meta.label}: {read} rows read, {rewritten} sealed again under {current!r}"
            )
        self.stdout.write(
            self.style.SUCCESS("done: keys other than the first can now be removed from FIELD_KEYS")
        )
