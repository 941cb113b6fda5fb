"""Personal fields encrypted at rest, column by column.

A mobile, a contact's name or a formation step's answers (candidate lists, members) are stored as
`enc1$<key id>$<base64 of nonce, ciphertext and tag>`: authenticated encryption (AES-256-GCM, or SM4-GCM where the
installation must use 国密 algorithms) under a key from the FIELD_KEYS variable. The database, its dumps and the
backups hold only ciphertext; the app reads and writes plain values as before (models declare the fields below).

FIELD_KEYS lists keys as `id:algorithm:base64 secret`, comma-separated, the current one first. A value names the
key that sealed it, so older keys stay readable while `manage.py field_keys rotate` seals everything again under
the current one; then the old key can be dropped. A missing, malformed or wrong key fails loudly: at start-up for
the first two, at the first value read for the last (FieldKeyError, naming the key).

Encrypted values cannot be searched by the database. Where the app looks a person up by such a field (a contact by
mobile), a digest column beside it holds a keyed hash (HMAC, with a key derived from each configured key); a
lookup asks for the digests under every key, so it keeps working during a rotation.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, IsNull

PREFIX = "enc1$"
NONCE_BYTES = 12
TAG_BYTES = 16
SECRET_BYTES = {"aes": 32, "sm4": 16}
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class FieldKeyError(ImproperlyConfigured):
    """FIELD_KEYS is missing, malformed, or does not hold the key a stored value was sealed with."""


@dataclass(frozen=True)
class FieldKey:
    id: str
    algorithm: str  # "aes" or "sm4"
    secret: bytes

    def _derive(self, purpose: bytes) -> bytes:
        length = SECRET_BYTES[self.algorithm] if purpose == b"encryption" else 32
        return HKDF(algorithm=self._hash(), length=length, salt=None, info=b"field-" + purpose).derive(
            self.secret
        )

    @property
    def _cipher_key(self) -> bytes:
        return _subkeys(self)[0]

    def encrypt(self, plain: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        if self.algorithm == "aes":
            return nonce + AESGCM(self._cipher_key).encrypt(nonce, plain, None)
        encryptor = Cipher(algorithms.SM4(self._cipher_key), modes.GCM(nonce)).encryptor()
        sealed = encryptor.update(plain) + encryptor.finalize()
        return nonce + sealed + encryptor.tag

    def decrypt(self, blob: bytes) -> bytes:
        nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        if self.algorithm == "aes":
            return AESGCM(self._cipher_key).decrypt(nonce, sealed, None)
        decryptor = Cipher(
            algorithms.SM4(self._cipher_key), modes.GCM(nonce, sealed[-TAG_BYTES:])
        ).decryptor()
        return decryptor.update(sealed[:-TAG_BYTES]) + decryptor.finalize()

    def digest(self, text: str) -> str:
        mac = HMAC(_subkeys(self)[1], self._hash())
        mac.update(text.encode())
        return mac.finalize().hex()[:32]

    def _hash(self) -> hashes.HashAlgorithm:
        return hashes.SM3() if self.algorithm == "sm4" else hashes.SHA256()


@cache
def _subkeys(key: FieldKey) -> tuple[bytes, bytes]:
    return key._derive(b"encryption"), key._derive(b"digest")


def keys_parse(entries: Iterable[str]) -> tuple[FieldKey, ...]:
    """FIELD_KEYS as keys, the current one first; a malformed entry raises FieldKeyError naming it (by its id
    and position, never its secret)."""
    parsed: list[FieldKey] = []
    for position, entry in enumerate(entries, start=1):
        parts = entry.strip().split(":")
        if len(parts) != 3:
            raise FieldKeyError(
                f"FIELD_KEYS entry {position} is not of the form id:algorithm:base64-secret "
                "(make one with `manage.py field_keys new`)."
            )
        key_id, algorithm, encoded = parts
        if not _KEY_ID.match(key_id):
            raise FieldKeyError(f"FIELD_KEYS entry {position}: the id must be 1–16 letters, digits, - or _.")
        if algorithm not in SECRET_BYTES:
            raise FieldKeyError(f"FIELD_KEYS key {key_id!r}: the algorithm must be aes or sm4.")
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise FieldKeyError(f"FIELD_KEYS key {key_id!r}: the secret is not base64.") from None
        if len(secret) != SECRET_BYTES[algorithm]:
            raise FieldKeyError(
                f"FIELD_KEYS key {key_id!r}: an {algorithm} secret is {SECRET_BYTES[algorithm]} bytes, "
                f"this one is {len(secret)}."
            )
        if any(key.id == key_id for key in parsed):
            raise FieldKeyError(f"FIELD_KEYS names key {key_id!r} twice.")
        parsed.append(FieldKey(key_id, algorithm, secret))
    if not parsed:
        raise FieldKeyError("FIELD_KEYS is empty: personal fields cannot be encrypted without a key.")
    return tuple(parsed)


@cache
def keys() -> tuple[FieldKey, ...]:
    """The configured keys (parsed once per process; the tests clear the cache when they change the setting)."""
    return keys_parse(settings.FIELD_KEYS)


def key_new(algorithm: str = "aes", key_id: str = "k1") -> str:
    """A FIELD_KEYS entry with a fresh random secret."""
    return f"{key_id}:{algorithm}:{base64.b64encode(os.urandom(SECRET_BYTES[algorithm])).decode()}"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def sealed_key_id(value: str) -> str | None:
    """The id of the key a stored value was sealed with (None for a plain value)."""
    return value[len(PREFIX) :].split("$", 1)[0] if is_sealed(value) else None


def seal(text: str) -> str:
    """A plain value as stored; the empty value stays empty (a field left blank is not a secret)."""
    if not text or is_sealed(text):
        return text
    key = keys()[0]
    blob = base64.urlsafe_b64encode(key.encrypt(text.encode())).rstrip(b"=").decode()
    return f"{PREFIX}{key.id}${blob}"


def unseal(value: str) -> str:
    """A stored value as plain text. A value stored before encryption was switched on is returned as it is
    (`manage.py field_keys check` counts them, `rotate` seals them)."""
    if not is_sealed(value):
        return value
    key_id, _, encoded = value[len(PREFIX) :].partition("$")
    key = next((key for key in keys() if key.id == key_id), None)
    if key is None:
        raise FieldKeyError(
            f"A stored value was sealed with key {key_id!r}, which FIELD_KEYS does not hold: "
            "restore that key (rotation keeps old keys until `field_keys rotate` has finished)."
        )
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        return key.decrypt(blob).decode()
    except (InvalidTag, ValueError, binascii.Error):
        raise FieldKeyError(
            f"Key {key_id!r} in FIELD_KEYS does not open a value sealed under that id: the key is wrong, "
            "or the stored value was changed."
        ) from None


def digest(text: str) -> str:
    """The keyed hash of a value under the current key ('' for an empty value)."""
    return keys()[0].digest(text) if text else ""


def digests(text: str) -> list[str]:
    """The keyed hashes of a value under every configured key: what a lookup asks for."""
    return [key.digest(text) for key in keys()] if text else []


class _EmptyOnlyExact(Exact):
    """An encrypted field compares only with the empty value: anything else would never match its ciphertext."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            target = self.lhs.target
            raise FieldError(
                f"{target.model.__name__}.{target.name} is encrypted: look it up by its digest field."
            )
        return super().get_prep_lookup()


_CHAR_LOOKUPS: dict[str, Any] = {"exact": _EmptyOnlyExact, "isnull": IsNull}
_JSON_LOOKUPS: dict[str, Any] = {"isnull": IsNull}


class EncryptedCharField(models.CharField):
    """A short personal text (a mobile, a name), stored sealed in a text column. max_length bounds the plain
    value. Only `= ''` and `IS NULL` can be asked of it in a query."""

    encrypted = True

    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        return _CHAR_LOOKUPS.get(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return unseal(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return seal(value) if isinstance(value, str) else value

    def sealed(self, value: Any) -> Any:
        """The stored form of a plain value, for writers that bypass the ORM (COPY)."""
        return seal(value) if isinstance(value, str) else value


class EncryptedJSONField(models.Field):
    """A JSON value (a formation step's answers) stored sealed as one text. Nothing can be asked of it in a
    query but whether it is NULL."""

    _pyi_private_set_type: Any
    _pyi_private_get_type: Any
    encrypted = True
    empty_values = [None, "", [], (), {}]

    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        return _JSON_LOOKUPS.get(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        text = unseal(value)
        return json.loads(text) if text else {}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise forms.ValidationError("Not JSON.") from None
        return value

    def get_prep_value(self, value: Any) -> Any:
        return None if value is None else self.sealed(value)

    def sealed(self, value: Any) -> str:
        """The stored form of a value, or of JSON text already made (COPY writers hand over text)."""
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return seal(text)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return super().formfield(form_class=form_class or forms.JSONField, **kwargs)


class DigestField(models.CharField):
    """The keyed hash of another field's plain value, normalised (a phone number as federation.identifiers
    normalises it: half-width, no separators or +86), kept up to date on every save; writers that bypass save()
    (bulk writes, COPY) set it with `for_value`. Look a value up with `digest_filter`."""

    def __init__(self, *args: Any, source: str = "", normalise: str = "phone", **kwargs: Any) -> None:
        self.source, self.normalise = source, normalise
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["normalise"] = self.source, self.normalise
        for option, value in (("max_length", 32), ("blank", True), ("editable", False), ("default", "")):
            if kwargs.get(option) == value:
                del kwargs[option]
        return name, path, args, kwargs

    def plain(self, value: str) -> str:
        from federation.identifiers import mobile_normalise

        value = value or ""
        return mobile_normalise(value) if self.normalise == "phone" else value.strip()

    def for_value(self, value: str) -> str:
        return digest(self.plain(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.for_value(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def digest_filter(model: type[models.Model], field_name: str, value: str) -> models.Q:
    """A condition matching the rows whose digest field `field_name` is the digest of `value` under any key."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, DigestField)
    plain = field.plain(value)
    return models.Q(**{f"{field_name}__in": digests(plain)}) if plain else models.Q(pk__in=[])


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if getattr(field, "encrypted", False)]


def _stored_batches(
    model: type[models.Model], columns: list[str], *, batch: int, write: bool
) -> Iterator[tuple[Any, list[tuple]]]:
    """(connection, rows) of the table's primary key and `columns` as stored (ciphertext, not opened), a batch
    at a time in primary-key order, so that a table of millions is read without holding it in memory."""
    from django.db import connections, router

    connection = connections[router.db_for_write(model) if write else router.db_for_read(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    select = (
        f"SELECT {', '.join(map(quote, [pk.column, *columns]))} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(pk.column)} > %s ORDER BY {quote(pk.column)} LIMIT %s"
    )
    last: Any = 0 if pk.get_internal_type() in ("AutoField", "BigAutoField") else ""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last, batch])
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield connection, rows


def reseal(model: type[models.Model], *, batch: int = 2000) -> tuple[int, int]:
    """Seal every encrypted value of a model's table under the current key (values stored plain or under an
    older key alike) and recompute its digest fields. Returns (rows read, rows rewritten). Runs in batches by
    primary key, each its own UPDATE, so a large table is rewritten without holding it all in memory; run
    again after an interruption, it takes up where it stopped (rows already current are left alone).
    Used by the migrations that switched encryption on and by `manage.py field_keys rotate`."""
    fields = encrypted_fields(model)
    if not fields:
        return 0, 0
    sources = {field.attname for field in fields}
    digest_fields = [
        f for f in model._meta.concrete_fields if isinstance(f, DigestField) and f.source in sources
    ]
    pk = model._meta.pk
    assert pk is not None
    columns = [*(f.column for f in fields), *(f.column for f in digest_fields)]
    current = keys()[0].id
    read = rewritten = 0
    for connection, rows in _stored_batches(model, columns, batch=batch, write=True):
        read += len(rows)
        changed = []
        for row in rows:
            raws = row[1 : 1 + len(fields)]
            stale = any(
                raw not in (None, "") and (not isinstance(raw, str) or sealed_key_id(raw) != current)
                for raw in raws
            )
            instance = model(**{pk.attname: row[0]})
            for field, raw in zip(fields, raws, strict=True):
                value = cast(Any, field).from_db_value(raw, None, connection) if isinstance(raw, str) else raw
                setattr(instance, field.attname, value)
            for field, stored in zip(digest_fields, row[1 + len(fields) :], strict=True):
                fresh = field.for_value(getattr(instance, field.source))
                stale = stale or stored != fresh
                setattr(instance, field.attname, fresh)
            if stale:
                changed.append(instance)
        if changed:
            model._base_manager.using(connection.alias).bulk_update(
                changed, [f.attname for f in (*fields, *digest_fields)]
            )
            rewritten += len(changed)
    return read, rewritten


def reseal_migration(*labels: str) -> Callable[[Any, Any], None]:
    """A migration's RunPython that seals what the named models (app_label.Model) hold."""

    def run(apps: Any, schema_editor: Any) -> None:
        for label in labels:
            reseal(apps.get_model(label))

    return run


def encrypted_models() -> list[type[models.Model]]:
    """Every installed model (historical ones included) with an encrypted field."""
    from django.apps import apps

    return [model for model in apps.get_models() if encrypted_fields(model)]


def survey(model: type[models.Model], *, batch: int = 5000) -> dict[str, dict[str, int]]:
    """What a model's encrypted columns hold: per field, how many values are sealed under each key id, how many
    are stored plain ("plain"), and how many the configured keys cannot open ("unreadable")."""
    fields = encrypted_fields(model)
    counts: dict[str, dict[str, int]] = {field.name: {} for field in fields}
    for _connection, rows in _stored_batches(model, [f.column for f in fields], batch=batch, write=False):
        for row in rows:
            for field, raw in zip(fields, row[1:], strict=True):
                if raw in (None, ""):
                    continue
                kind = sealed_key_id(raw) or "plain"
                if kind != "plain":
                    try:
                        unseal(raw)
                    except FieldKeyError:
                        kind = "unreadable"
                tally = counts[field.name]
                tally[kind] = tally.get(kind, 0) + 1
    return counts
