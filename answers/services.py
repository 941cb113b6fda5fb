"""Questions asked on the spot (即问即答) and their answers, and the FAQ they grow into.

A contact asks on a formation step or from their home; the run's owner or the organisation's officer is told.
Staff answer: the asker is told, the organisation's contact log and the operation log record it, all or
nothing. A good answer can be published as an FAQ entry, which then shows on its steps in every portal.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import BranchKind, ContactLog, Organisation
from branches.services.contacts import contact_add
from federation import access
from federation.editing import clash_refuse
from federation.errors import DomainError
from federation.models import User
from federation.notifications import notification_create
from federation.services import operation_label_register, operation_record

from .models import FAQCategory, FAQEntry, FAQProposal, Question, city_region_id
from .search import faq_search_text

if TYPE_CHECKING:
    from workflows.models import StepEntry

QUESTION_MAX = 1000
ANSWER_MAX = 5000
FAQ_QUESTION_MAX = 200
FAQ_ANSWER_MAX = 5000
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# An answer given through the portal reaches the liaison online; of the contact log's channels WeChat is
# the closest (the portal is mostly opened inside WeChat), and a channel of its own would need a migration
# of the ledger for one label.
ANSWER_CHANNEL = ContactLog.Channel.WECHAT

operation_label_register("question.answer", gettext_lazy("answered a question"))
operation_label_register("faq.create", gettext_lazy("added an FAQ entry"))
operation_label_register("faq.update", gettext_lazy("edited an FAQ entry"))
operation_label_register("faq.unpublish", gettext_lazy("unpublished an FAQ entry"))
operation_label_register("faq.propose", gettext_lazy("proposed a change to an FAQ entry"))
operation_label_register("faq.accept", gettext_lazy("accepted a proposed change to an FAQ entry"))
operation_label_register("faq.decline", gettext_lazy("declined a proposed change to an FAQ entry"))


class QuestionError(DomainError):
    """A question, answer or FAQ entry refused for a reason the person can act on (see DomainError)."""


def _text_check(text: str, *, empty: str, limit: int) -> str:
    text = (text or "").strip()
    if not text:
        raise QuestionError(empty)
    if len(text) > limit:
        raise QuestionError(
            _("It can be at most %(max)s characters long; this one has %(count)s.")
            % {"max": limit, "count": len(text)}
        )
    return text


def question_recipients(question: Question) -> list[User]:
    """Who answers a question: on a step, the run's owner, else the organisation's officer; from the home,
    the officer, else the owner of the organisation's run under way; failing both, the district's managers."""
    return questions_recipients([question])[question.pk]


def questions_recipients(questions: list[Question]) -> dict[int, list[User]]:
    """question_recipients of many questions at once: the runs under way and the managers in a query each."""
    from workflows.models import FormationRun

    runs: dict[int, FormationRun] = {}
    home = {question.organisation_id for question in questions if not question.step_entry_id}
    if home:
        for active in (
            FormationRun.objects.filter(organisation_id__in=home, status=FormationRun.Status.ACTIVE)
            .select_related("owner")
            .order_by("-started_at", "-id")
        ):
            runs.setdefault(active.organisation_id, active)
    chosen: dict[int, list[User]] = {}
    for question in questions:
        if question.step_entry is not None:
            candidates = [question.step_entry.run.owner, question.organisation.officer]
        else:
            run = runs.get(question.organisation_id)
            candidates = [question.organisation.officer, run.owner if run else None]
        answerer = next((user for user in candidates if user is not None and user.is_active), None)
        if answerer is not None:
            chosen[question.pk] = [answerer]
    districts = {q.organisation.district_id for q in questions if q.pk not in chosen}
    managers: dict[int, list[User]] = {district: [] for district in districts}
    if districts:
        for manager in User.objects.filter(
            unit__region_id__in=districts, role=User.Role.MANAGER, is_active=True
        ).select_related("unit"):
            unit = manager.unit
            assert unit is not None  # chosen by its unit's region
            managers[unit.region_id].append(manager)
    return {q.pk: chosen.get(q.pk) or managers[q.organisation.district_id] for q in questions}


@transaction.atomic
def question_ask(
    *, by: User, entry: StepEntry | None = None, text: str, organisation: Organisation | None = None
) -> Question:
    """Record a question, on a step of a run the asker may see or for an organisation they are the liaison
    of, and notify whoever answers it."""
    if entry is not None:
        run = entry.run
        if not (access.has(by, "portal.use", run) or access.has(by, "workflow.view", run)):
            raise QuestionError(_("You cannot ask questions here."))
        organisation = run.organisation
    elif organisation is None or not access.has(by, "questions.ask", organisation):
        raise QuestionError(_("Choose the organisation you ask for."))
    text = (text or "").replace("\x00", "").strip()  # a NUL never means anything, and PostgreSQL refuses it
    if not text:
        raise QuestionError(_("Write your question first."))
    if len(text) > QUESTION_MAX:
        raise QuestionError(
            _("A question can be at most %(max)s characters long; this one has %(count)s.")
            % {"max": QUESTION_MAX, "count": len(text)}
        )
    question = Question.objects.create(organisation=organisation, step_entry=entry, asked_by=by, text=text)
    url = (
        reverse("workflows:step_detail", args=[entry.pk])
        if entry is not None
        else reverse("answers:question_answer", args=[question.pk])
    )
    for user in question_recipients(question):
        notification_create(
            user=user,
            kind="answers.question_asked",
            template="question_asked" if entry is not None else "question_asked_general",
            context={
                "user": user,
                "question": question,
                "asker": by,
                "entry": entry,
                "run": entry.run if entry is not None else None,
                "organisation": organisation,
            },
            url=url,
        )
    return question


def question_url(question: Question) -> str:
    """Where the asker reads the answer: the step of the portal, or their home."""
    if question.step_entry_id:
        return reverse("workflows:portal_step", args=[question.step_entry_id])
    return reverse("federation:contact_home")


@transaction.atomic
def question_answer(*, by: User, question: Question, answer: str) -> Question:
    """Answer an open question: the asker is told, the contact log and the operation log record it."""
    access.require(by, "questions.answer", question.organisation)
    answer = _text_check(answer, empty=_("Write the answer first."), limit=ANSWER_MAX)
    # Two officers answering at once: the second waits for the lock, then finds the question answered.
    question = (
        Question.objects.select_related("organisation__officer", "asked_by")
        .select_for_update(of=("self",))
        .get(pk=question.pk)
    )
    if question.answered_at is not None:
        raise QuestionError(_("This question was answered already; reload the page to read the answer."))
    question.answer = answer
    question.answered_by = by
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    with translation.override(settings.LANGUAGE_CODE):  # the log is read by every officer, in the default
        summary = _("Answered a question online. Question: %(question)s Answer: %(answer)s") % {
            "question": question.text,
            "answer": answer,
        }
    contact_add(
        by=by,
        organisation=question.organisation,
        contacted_on=timezone.localdate(),
        channel=ANSWER_CHANNEL,
        summary=summary,
    )
    operation_record(
        actor=by,
        action="question.answer",
        obj=question.organisation,
        changes={"question": [None, question.pk], "answer": [None, answer[:200]]},
    )
    asker = question.asked_by
    if asker.is_active:
        notification_create(
            user=asker,
            kind="answers.question_answered",
            template="question_answered",
            context={"user": asker, "question": question, "by": by, "organisation": question.organisation},
            url=question_url(question),
        )
    return question


def _faq_clean(data: dict) -> dict:
    """The FAQ entry's values, checked; raises QuestionError with what to fix."""
    question = _text_check(data.get("question", ""), empty=_("Write the question."), limit=FAQ_QUESTION_MAX)
    answer = _text_check(data.get("answer", ""), empty=_("Write the answer."), limit=FAQ_ANSWER_MAX)
    fields = [name.strip() for name in data.get("fields") or [] if name.strip()]
    wrong = [name for name in fields if not FIELD_NAME.match(name)]
    if wrong:
        raise QuestionError(
            _("Field names are lower-case letters, digits and underscores: %(names)s")
            % {"names": ", ".join(wrong)}
        )
    category = data.get("category")
    if category is not None and not isinstance(category, FAQCategory):
        raise QuestionError(_("Choose a category from the list."))
    return {
        "question": question,
        "answer": answer,
        "category": category,
        "step_codes": list(dict.fromkeys(code for code in data.get("step_codes") or [] if code)),
        "forms": [form for form in BranchKind.values if form in set(data.get("forms") or [])],
        "fields": list(dict.fromkeys(fields)),
        "order": int(data.get("order") or 0),
        "published": bool(data.get("published", True)),
    }


@transaction.atomic
def faq_entry_create(*, by: User, data: dict, source_question: Question | None = None) -> FAQEntry:
    """Add an FAQ entry (from scratch, or published from an answered question)."""
    access.require(by, "faq.edit")
    if source_question is not None:
        access.require(by, "questions.view", source_question.organisation)
        if source_question.answered_at is None:
            raise QuestionError(_("Only an answered question can be published as FAQ."))
    values = _faq_clean(data)
    # It is kept where its author works: a district officer's entry by the district, the city's city-wide.
    home = access.scope_region(by)
    entry = FAQEntry.objects.create(
        **values,
        region_id=home.pk if home is not None else city_region_id(),
        source_question=source_question,
        search_text=faq_search_text(values["question"], values["answer"]),
    )
    operation_record(
        actor=by,
        action="faq.create",
        obj=entry,
        changes={"question": [None, entry.question], "published": [None, entry.published]},
    )
    return entry


@transaction.atomic
def faq_entry_update(*, by: User, entry: FAQEntry, data: dict, seen: dt.datetime | None = None) -> FAQEntry:
    """Edit an FAQ entry the user keeps; what changed goes to the operation log. ``seen``: see clash_refuse."""
    entry = FAQEntry.objects.select_for_update(of=("self",)).select_related("region").get(pk=entry.pk)
    access.require(by, "faq.edit", entry)
    clash_refuse(entry, seen=seen, error=QuestionError)
    values = _faq_clean(data)
    changes = {}
    for name, value in values.items():
        before = getattr(entry, name)
        if before != value:
            changes[name] = [str(before), str(value)] if name == "category" else [before, value]
            setattr(entry, name, value)
    if changes:
        entry.search_text = faq_search_text(entry.question, entry.answer)
        entry.save()
        operation_record(actor=by, action="faq.update", obj=entry, changes=changes)
    return entry


@transaction.atomic
def faq_entry_unpublish(*, by: User, entry: FAQEntry) -> FAQEntry:
    """Take an entry off the FAQ and the steps' pages (it stays, to be edited and published again)."""
    entry = FAQEntry.objects.select_for_update(of=("self",)).select_related("region").get(pk=entry.pk)
    access.require(by, "faq.edit", entry)
    if not entry.published:
        raise QuestionError(_("This entry is not published."))
    entry.published = False
    entry.save(update_fields=["published", "updated_at"])
    operation_record(actor=by, action="faq.unpublish", obj=entry, changes={"published": [True, False]})
    return entry


# --- changes proposed to entries kept by a wider area ---------------------------------------------------------


@transaction.atomic
def faq_proposal_create(*, by: User, entry: FAQEntry, data: dict) -> FAQProposal:
    """Propose a new question and answer for an entry the user may not edit (a city-wide one, for a district
    officer); it waits for those who keep the entry."""
    access.require(by, "faq.propose", entry)
    question = _text_check(data.get("question", ""), empty=_("Write the question."), limit=FAQ_QUESTION_MAX)
    answer = _text_check(data.get("answer", ""), empty=_("Write the answer."), limit=FAQ_ANSWER_MAX)
    if question == entry.question and answer == entry.answer:
        raise QuestionError(_("Change the question or the answer first: this is what the entry says now."))
    proposal = FAQProposal.objects.create(
        entry=entry,
        question=question,
        answer=answer,
        reason=(data.get("reason") or "").strip()[:1000],
        proposed_by=by,
    )
    operation_record(
        actor=by,
        action="faq.propose",
        obj=entry,
        changes={"proposal": [None, proposal.pk]},
        reason=proposal.reason,
    )
    return proposal


@transaction.atomic
def faq_proposal_decide(*, by: User, proposal: FAQProposal, accept: bool, note: str = "") -> FAQProposal:
    """Accept (the entry then says what was proposed) or decline a proposed change, once, with a note."""
    proposal = (
        FAQProposal.objects.select_for_update(of=("self",))
        .select_related("entry__region")
        .get(pk=proposal.pk)
    )
    access.require(by, "faq.review", proposal)
    # Two reviewers at once: the second waits for the lock, then finds it decided.
    if proposal.status != FAQProposal.Status.PENDING:
        raise QuestionError(_("This proposal was decided already; reload the page to see how."))
    if accept:
        entry = proposal.entry
        faq_entry_update(
            by=by,
            entry=entry,
            data={
                "question": proposal.question,
                "answer": proposal.answer,
                "category": entry.category,
                "step_codes": entry.step_codes,
                "fields": entry.fields,
                "order": entry.order,
                "published": entry.published,
            },
        )
    proposal.status = FAQProposal.Status.ACCEPTED if accept else FAQProposal.Status.DECLINED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.note = note.strip()[:1000]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "note"])
    operation_record(
        actor=by,
        action="faq.accept" if accept else "faq.decline",
        obj=proposal.entry,
        changes={"proposal": [proposal.pk, proposal.status]},
        reason=proposal.note,
    )
    return proposal
