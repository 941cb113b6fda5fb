"""Personal fields encrypted at rest: what the database and its backups hold, keys that are wrong or missing,
rotation, and finding a contact by mobile through the keyed digest."""

from __future__ import annotations

import base64
import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from branches.models import Liaison, Organisation
from branches.services.contacts import liaison_add
from federation import backups, fieldcrypt
from federation.fieldcrypt import FieldKeyError, keys_parse
from tests.branches.factories import OrganisationFactory
from tests.branches.test_import_service import HEADER, csv, upload
from tests.conftest import need
from workflows.models import StepEntry

MOBILE, LANDLINE = "13904731234", "0473-3981234"
AES_1 = "k1:aes:" + base64.b64encode(b"A" * 32).decode()
AES_1_WRONG = "k1:aes:" + base64.b64encode(b"B" * 32).decode()
SM4_2 = "k2:sm4:" + base64.b64encode(b"C" * 16).decode()


@pytest.fixture
def field_keys(settings):
    """Set FIELD_KEYS for the rest of the test (the parsed keys are cached per process)."""

    def use(*entries: str) -> None:
        settings.FIELD_KEYS = list(entries)
        fieldcrypt.keys.cache_clear()

    yield use
    fieldcrypt.keys.cache_clear()


def raw(model, pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {model._meta.db_table} WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


def ledger_search(client, user, query: str) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("branches:organisation_list"), {"q": query})
    assert page.status_code == 200
    return {organisation.name for organisation in page.context["page"].rows}


# --- what is stored ---------------------------------------------------------------------------------------


def test_the_raw_columns_of_a_contacts_mobile_and_name_hold_no_readable_value(city_officer, field_keys):
    field_keys(AES_1)
    organisation = OrganisationFactory(contact_name="王丽华", contact_mobile=MOBILE)
    liaison = liaison_add(
        by=city_officer, organisation=organisation, name="刘静", mobile=MOBILE, consent=True
    )

    for model, pk, column in [
        (Organisation, organisation.pk, "contact_mobile"),
        (Organisation, organisation.pk, "contact_name"),
        (Liaison, liaison.pk, "mobile"),
    ]:
        stored = raw(model, pk, column)
        assert stored.startswith("enc1$k1$"), stored
        assert MOBILE not in stored and "王丽华" not in stored
        assert not any(MOBILE[i : i + 4] in stored for i in range(len(MOBILE) - 3))  # no run of its digits
    history = organisation.history.latest("history_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT contact_mobile FROM {Organisation.history.model._meta.db_table} WHERE history_id = %s",
            [history.history_id],
        )
        assert cursor.fetchone()[0].startswith("enc1$")
    # The app reads them plain, and masks them as before.
    organisation.refresh_from_db()
    assert (organisation.contact_name, organisation.contact_mobile) == ("王丽华", MOBILE)
    assert Liaison.objects.values_list("mobile", flat=True).get(pk=liaison.pk) == MOBILE
    assert raw(Organisation, organisation.pk, "contact_mobile") != raw(Liaison, liaison.pk, "mobile")  # nonce


def test_a_formation_steps_answers_are_stored_sealed_whole(city_officer, field_keys):
    from workflows.models import WorkflowTemplate
    from workflows.services.runs import run_start

    field_keys(AES_1)
    organisation = OrganisationFactory()
    template = WorkflowTemplate.objects.filter(status=WorkflowTemplate.Status.PUBLISHED).first()
    run = run_start(by=city_officer, organisation=organisation, template=template, owner=city_officer)
    entry = run.entries.order_by("order").first()
    StepEntry.objects.filter(pk=entry.pk).update(
        answers={"candidates": [{"name": "赵美玲", "mobile": MOBILE}]}, draft={"name": "赵美玲"}
    )
    for column in ("answers", "draft"):
        stored = raw(StepEntry, entry.pk, column)
        assert stored.startswith("enc1$") and "赵美玲" not in stored and MOBILE not in stored
    entry.refresh_from_db()
    assert entry.answers == {"candidates": [{"name": "赵美玲", "mobile": MOBILE}]}
    assert entry.draft == {"name": "赵美玲"}


def test_an_sm4_installation_seals_with_sm4_and_reads_back(city_officer, field_keys):
    field_keys(SM4_2)
    organisation = OrganisationFactory(contact_mobile=MOBILE)
    stored = raw(Organisation, organisation.pk, "contact_mobile")
    assert stored.startswith("enc1$k2$")
    (key,) = fieldcrypt.keys()
    assert key.algorithm == "sm4"
    assert fieldcrypt.unseal(stored) == MOBILE
    organisation.refresh_from_db()
    assert organisation.contact_mobile == MOBILE


# --- keys that are missing or wrong fail loudly ---------------------------------------------------------


def test_a_wrong_key_fails_loudly_naming_it(wuhai, field_keys):
    field_keys(AES_1)
    organisation = OrganisationFactory(contact_mobile=MOBILE)
    field_keys(AES_1_WRONG)
    with pytest.raises(FieldKeyError, match="'k1'.*does not open"):
        Organisation.objects.get(pk=organisation.pk)
    with pytest.raises(CommandError, match="cannot be opened"):
        call_command("field_keys", "check", stdout=io.StringIO())


def test_a_value_sealed_under_a_key_no_longer_configured_fails_loudly(wuhai, field_keys):
    field_keys(AES_1)
    organisation = OrganisationFactory(contact_mobile=MOBILE)
    field_keys(SM4_2)
    with pytest.raises(FieldKeyError, match="'k1', which FIELD_KEYS does not hold"):
        Organisation.objects.get(pk=organisation.pk)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "FIELD_KEYS is empty"),
        (["k1:aes"], "not of the form"),
        (["k1:des:" + base64.b64encode(b"x" * 8).decode()], "aes or sm4"),
        (["k1:aes:" + base64.b64encode(b"short").decode()], "32 bytes, this one is 5"),
        (["k1:sm4:not base64!"], "not base64"),
        ([AES_1, AES_1], "twice"),
    ],
)
def test_malformed_keys_are_refused_with_the_reason_and_never_the_secret(entries, message):
    with pytest.raises(FieldKeyError, match=message) as refused:
        keys_parse(entries)
    assert base64.b64encode(b"A" * 32).decode() not in str(refused.value)


# --- queries that would silently find nothing are refused -------------------------------------------------


def test_an_encrypted_field_refuses_a_lookup_by_value_but_answers_blank(wuhai, field_keys):
    field_keys(AES_1)
    OrganisationFactory(contact_mobile=MOBILE)
    OrganisationFactory(contact_mobile="")
    with pytest.raises(FieldError, match="encrypted"):
        list(Organisation.objects.filter(contact_mobile=MOBILE))
    with pytest.raises(FieldError):
        list(Organisation.objects.filter(contact_mobile__contains="0473"))
    assert Organisation.objects.filter(contact_mobile="").count() == 1
    assert Organisation.objects.exclude(contact_mobile="").count() == 1


# --- a contact found by mobile, through the digest -------------------------------------------------------


def test_the_ledger_search_finds_an_organisation_by_its_contacts_or_liaisons_number(
    client, city_officer, district_officer, field_keys
):
    field_keys(AES_1)
    by_contact = OrganisationFactory(name="乌海市联系人测试有限公司", contact_mobile=MOBILE)
    by_liaison = OrganisationFactory(name="乌海市联络员测试有限公司")
    liaison_add(by=city_officer, organisation=by_liaison, name="刘静", mobile="13804739876", consent=True)
    landline = OrganisationFactory(name="乌海市座机测试有限公司", contact_mobile=LANDLINE)
    elsewhere = OrganisationFactory(
        name="乌海市乌达区测试有限公司", contact_mobile="13804739876", region=_wuda_street()
    )

    assert ledger_search(client, city_officer, "139 0473 1234") == {by_contact.name}
    assert ledger_search(client, city_officer, "+86 138-0473-9876") == {by_liaison.name, elsewhere.name}
    assert ledger_search(client, city_officer, "0473 3981234") == {landline.name}
    assert ledger_search(client, city_officer, "0473") == set()  # part of a number finds nothing
    # the search stays within the officer's area
    assert ledger_search(client, district_officer, "13804739876") == {by_liaison.name}


def test_the_search_by_number_keeps_working_while_keys_rotate(client, city_officer, field_keys):
    field_keys(AES_1)
    organisation = OrganisationFactory(name="乌海市轮换测试有限公司", contact_mobile=MOBILE)
    field_keys(SM4_2, AES_1)  # a new key first, the old one kept: not yet rotated
    assert ledger_search(client, city_officer, MOBILE) == {organisation.name}
    call_command("field_keys", "rotate", stdout=io.StringIO())
    field_keys(SM4_2)  # the old key removed
    assert raw(Organisation, organisation.pk, "contact_mobile").startswith("enc1$k2$")
    assert ledger_search(client, city_officer, MOBILE) == {organisation.name}


# --- rotation and the check --------------------------------------------------------------------------------


def test_rotation_seals_every_value_again_and_the_old_key_can_go(city_officer, field_keys):
    field_keys(AES_1)
    organisation = OrganisationFactory(contact_name="王丽华", contact_mobile=MOBILE)
    liaison = liaison_add(
        by=city_officer, organisation=organisation, name="刘静", mobile=MOBILE, consent=True
    )
    # a value stored before encryption was switched on is read as it is, counted, and sealed by the rotation
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Liaison._meta.db_table} SET mobile = %s WHERE id = %s", [MOBILE, liaison.pk])
    with pytest.raises(CommandError, match="1 value"):
        call_command("field_keys", "check", stdout=io.StringIO())

    field_keys(SM4_2, AES_1)
    out = io.StringIO()
    call_command("field_keys", "rotate", stdout=out)
    assert "branches.Organisation: " in out.getvalue()
    field_keys(SM4_2)
    out = io.StringIO()
    call_command("field_keys", "check", stdout=out)
    assert "every value opens; the current key is 'k2'" in out.getvalue()
    assert "branches.Liaison.mobile: 1 k2" in out.getvalue()
    organisation.refresh_from_db()
    assert (organisation.contact_name, organisation.contact_mobile) == ("王丽华", MOBILE)
    assert Liaison.objects.get(pk=liaison.pk).mobile == MOBILE
    history = organisation.history.latest("history_id")
    assert history.contact_mobile == MOBILE  # the history was sealed again too
    # a second rotation has nothing left to do
    out = io.StringIO()
    call_command("field_keys", "rotate", stdout=out)
    assert "branches.Organisation: 1 rows read, 0 sealed again" in out.getvalue()


def test_a_new_key_is_printed_in_the_form_field_keys_takes():
    out = io.StringIO()
    call_command("field_keys", "new", "--sm4", "--id", "2027", stdout=out, stderr=io.StringIO())
    (key,) = keys_parse([out.getvalue().strip()])
    assert (key.id, key.algorithm, len(key.secret)) == ("2027", "sm4", 16)


# --- the register import writes ciphertext on every path, and compares plain values -----------------------


def test_a_register_import_stores_sealed_values_and_a_second_run_finds_nothing_changed(
    client, city_officer, field_keys
):
    field_keys(AES_1)
    data = csv(
        "乌海市密文测试有限公司,91150302MA0000001H,海勃湾区,凤凰岭街道,民营企业,,120,60,王丽华,13904731234,",
        header=HEADER,
    )
    from branches.services.imports import register_import_apply

    register_import_apply(register_import=upload(city_officer, data), by=city_officer)
    organisation = Organisation.objects.get(uscc="91150302MA0000001H")
    assert raw(Organisation, organisation.pk, "contact_mobile").startswith("enc1$k1$")
    assert raw(Organisation, organisation.pk, "contact_name").startswith("enc1$k1$")
    assert (organisation.contact_name, organisation.contact_mobile) == ("王丽华", MOBILE)
    assert ledger_search(client, city_officer, MOBILE) == {organisation.name}

    again = upload(city_officer, data)
    assert again.summary["counts"]["unchanged"] == 1, again.summary["counts"]
    changed = csv(
        "乌海市密文测试有限公司,91150302MA0000001H,海勃湾区,凤凰岭街道,民营企业,,120,60,王丽华,13804739876,",
        header=HEADER,
    )
    register_import_apply(register_import=upload(city_officer, changed), by=city_officer)
    assert raw(Organisation, organisation.pk, "contact_mobile").startswith("enc1$k1$")
    assert ledger_search(client, city_officer, "13804739876") == {organisation.name}
    assert ledger_search(client, city_officer, MOBILE) == set()


# --- backups hold ciphertext ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_ciphertext_only(wuhai, tmp_path, settings, field_keys):
    if connection.vendor == "postgresql":
        from tests.federation.test_backup import pg_tools_found

        need(pg_tools_found(), "pg_dump and pg_restore (apt-get install postgresql-client)")
    field_keys(AES_1)
    settings.MEDIA_ROOT = tmp_path / "media"
    OrganisationFactory(contact_name="王丽华", contact_mobile=MOBILE)
    call_command("backup", output=tmp_path / "backups", stdout=io.StringIO())
    (made,) = (tmp_path / "backups").iterdir()
    contents = b""
    for path in Path(made).rglob("*"):
        if path.suffix == ".dump":  # PostgreSQL's custom format is compressed: read it as SQL
            contents += subprocess.run(
                [backups.pg_tool("pg_restore"), "--data-only", "-f", "-", str(path)],
                capture_output=True,
                check=True,
            ).stdout
        elif path.is_file():
            contents += path.read_bytes()
    assert b"enc1$k1$" in contents
    assert MOBILE.encode() not in contents and "王丽华".encode() not in contents


def _wuda_street():
    from federation.models import Region

    return Region.objects.filter(parent__code="150304").order_by("code").first()
