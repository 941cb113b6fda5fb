"""Two people saving the same record at the same instant, both from the version they opened: the row lock
makes one wait, and it then finds the record saved since and is refused, naming the one who won."""

from __future__ import annotations

import pytest

from activities import services as activity_services
from activities.errors import WorkError
from answers import services as answer_services
from answers.services import QuestionError
from branches.errors import LedgerError
from branches.models import Branch, Liaison
from branches.services import branches as branch_services
from branches.services import contacts as contact_services
from tests.activities.factories import make_recognition
from tests.answers.factories import faq_entry
from tests.branches.factories import OrganisationFactory

from .conftest import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def saves(kind: str, people: dict):
    """The record, a save by `person` of `value` from the version opened, the field it writes, the error."""
    organisation = OrganisationFactory(name="乌海市海勃湾区同时保存商会")
    if kind == "branch":
        record = Branch.objects.create(
            name="同时保存商会妇联", organisation=organisation, region=organisation.region, form="federation"
        )

        def save(person, value, seen):
            return branch_services.branch_update(
                by=person, branch=record, data={"approval_number": value}, seen=seen
            )

        return record, save, "approval_number", LedgerError
    if kind == "liaison":
        record = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")

        def save(person, value, seen):
            return contact_services.liaison_update(by=person, liaison=record, data={"post": value}, seen=seen)

        return record, save, "post", LedgerError
    if kind == "recognition":
        record = make_recognition(people["district_officer"], organisation=organisation)

        def save(person, value, seen):
            return activity_services.recognition_update(
                by=person, recognition=record, data={"person_unit": value}, seen=seen
            )

        return record, save, "person_unit", WorkError
    record = faq_entry("妇联每届任期几年？", "一般为五年。")

    def save(person, value, seen):
        data = {"question": record.question, "answer": value, "order": 0, "published": True}
        return answer_services.faq_entry_update(by=person, entry=record, data=data, seen=seen)

    return record, save, "answer", QuestionError


@pytest.mark.parametrize("kind", ["branch", "liaison", "recognition", "faq"])
def test_of_two_saves_at_once_from_the_same_version_one_lands_and_the_other_is_refused(
    kind, city_officer, city_manager, district_officer
):
    people = {"district_officer": district_officer}
    record, save, field, error = saves(kind, people)
    record.refresh_from_db()
    seen = record.updated_at
    first, second = (city_officer, city_manager) if kind == "faq" else (district_officer, city_officer)

    outcomes = together(lambda: save(first, "甲的修改", seen), lambda: save(second, "乙的修改", seen))

    refused = [outcome for outcome in outcomes if isinstance(outcome, error)]
    assert len(refused) == 1, outcomes
    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, error)], outcomes
    winner, value = (second, "乙的修改") if outcomes[0] is refused[0] else (first, "甲的修改")
    assert winner.display_name in str(refused[0])
    record.refresh_from_db()
    assert getattr(record, field) == value
