"""Questions and the FAQ: the FAQ for everyone signed in, the questions inbox and answers for staff, and the
ask box on a contact's home. Out of the user's area is 404, a wrong role 403, a refusal a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation import access

from . import services
from .forms import (
    AnswerForm,
    AskForm,
    FAQEntryForm,
    FAQFilterForm,
    FAQProposalForm,
    FAQSearchForm,
    ProposalDecisionForm,
    QuestionFilterForm,
    step_choices,
)
from .models import AnswerSettings, FAQCategory, FAQEntry, FAQProposal, Question
from .search import faq_search
from .seed import STEP_CATEGORY
from .selectors import (
    contact_organisations,
    faq_entries_for,
    faq_entries_published,
    faq_proposals_for,
    my_questions,
    questions_annotate,
    questions_for,
    questions_listed,
)
from .services import QUESTION_MAX, QuestionError
from .suggestions import faq_suggestions

PAGE_SIZE = 30


# --- look-ups: out of the user's reach is 404, a wrong role 403 --------------------------------------------


def faq_entry_or_404(request: HttpRequest, pk: int, permission: str) -> FAQEntry:
    """An FAQ entry the user sees, checked for `permission` (to edit: one the user's area keeps)."""
    entry = get_object_or_404(faq_entries_for(request.user), pk=pk)
    access.require(request.user, permission, entry)
    return entry


def faq_proposal_or_404(request: HttpRequest, pk: int, permission: str) -> FAQProposal:
    """A proposed change the user sees, checked for `permission`."""
    proposal = get_object_or_404(faq_proposals_for(request.user), pk=pk)
    access.require(request.user, permission, proposal)
    return proposal


def question_or_404(request: HttpRequest, pk: int, permission: str) -> Question:
    """A question of an organisation in the user's area, checked for `permission` on its organisation."""
    question = get_object_or_404(
        questions_for(request.user).select_related(
            "organisation__region", "asked_by", "answered_by", "step_entry__step", "step_entry__run"
        ),
        pk=pk,
    )
    access.require(request.user, permission, question.organisation)
    return question


# --- the FAQ ------------------------------------------------------------------------------------------------


@require_GET
def faq_list(request):
    """The FAQ: search by words or pinyin initials, filter by category."""
    access.require(request.user, "faq.view")
    form = FAQFilterForm(request.GET)
    entries = faq_entries_for(request.user)
    query, category = "", None
    if form.is_valid():
        query, category = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    entries = faq_search(entries, query)
    if category is not None:
        entries = entries.filter(category=category)
    page = Paginator(entries.order_by("category__order", "order", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    steps = dict(step_choices())
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        entry.step_titles = [steps.get(code, code) for code in entry.step_codes or []]
        entry.may_edit = access.has(request.user, "faq.edit", entry)
        entry.may_propose = access.has(request.user, "faq.propose", entry)
    may_edit = access.has(request.user, "faq.edit")
    pending = (
        faq_proposals_for(request.user).filter(status=FAQProposal.Status.PENDING).count() if may_edit else 0
    )
    context = {
        "form": form,
        "page": page,
        "query": query,
        "category": category,
        "categories": list(FAQCategory.objects.all()),
        "may_edit": may_edit,
        "pending": pending,
    }
    return render(request, "answers/faq_list.html", context)


def _faq_form_page(request, form, *, entry=None, question=None, status=200):
    context = {"form": form, "entry": entry, "question": question}
    return render(request, "answers/faq_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def faq_create(request):
    access.require(request.user, "faq.edit")
    form = FAQEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.faq_entry_create(by=request.user, data=form.values())
        except QuestionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("“%(question)s” was added to the FAQ.") % {"question": entry.question}
            )
            return redirect("answers:faq_list")
    return _faq_form_page(request, form, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def faq_edit(request, pk):
    entry = faq_entry_or_404(request, pk, "faq.edit")  # a city-wide entry: the city's staff only
    form = FAQEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.faq_entry_update(
                by=request.user, entry=entry, data=form.values(), seen=form.seen_at()
            )
        except QuestionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The FAQ entry was saved."))
            return redirect("answers:faq_list")
    return _faq_form_page(request, form, entry=entry, status=400 if form.errors else 200)


@require_POST
def faq_unpublish(request, pk):
    entry = faq_entry_or_404(request, pk, "faq.edit")
    try:
        services.faq_entry_unpublish(by=request.user, entry=entry)
    except QuestionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("“%(question)s” is no longer shown in the FAQ.") % {"question": entry.question}
        )
    return redirect("answers:faq_list")


@require_http_methods(["GET", "POST"])
def faq_propose(request, pk):
    """A district officer proposes a new wording for a city-wide entry; the city's staff decide."""
    entry = faq_entry_or_404(request, pk, "faq.propose")
    form = FAQProposalForm(request.POST or None, initial={"question": entry.question, "answer": entry.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.faq_proposal_create(by=request.user, entry=entry, data=form.cleaned_data)
        except QuestionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Your proposal was sent to the city federation, who will decide on it.")
            )
            return redirect("answers:faq_proposal_list")
    context = {"form": form, "entry": entry}
    return render(request, "answers/faq_propose.html", context, status=400 if form.errors else 200)


@require_GET
def faq_proposal_list(request):
    """Changes proposed to FAQ entries: those waiting for the user's decision, then the user's own and the
    decided ones, with who decided, when and why."""
    access.require(request.user, "faq.edit")
    proposals = faq_proposals_for(request.user)
    waiting = [
        proposal
        for proposal in proposals.filter(status=FAQProposal.Status.PENDING).order_by("proposed_at", "id")
        if access.has(request.user, "faq.review", proposal)
    ]
    others = proposals.exclude(pk__in=[proposal.pk for proposal in waiting]).order_by("-proposed_at", "-id")
    page = Paginator(others, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"waiting": waiting, "page": page, "decision_form": ProposalDecisionForm()}
    return render(request, "answers/faq_proposal_list.html", context)


@require_POST
def faq_proposal_decide(request, pk):
    proposal = faq_proposal_or_404(request, pk, "faq.review")
    form = ProposalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or decline the proposal."))
        return redirect("answers:faq_proposal_list")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.faq_proposal_decide(
            by=request.user, proposal=proposal, accept=accept, note=form.cleaned_data["note"]
        )
    except QuestionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The entry now says what was proposed.") if accept else _("The proposal was declined."),
        )
    return redirect("answers:faq_proposal_list")


# --- the questions inbox ------------------------------------------------------------------------------------


@require_GET
def question_list(request):
    """Questions of the user's area: open ones first, the longest waiting first."""
    access.require(request.user, "questions.view")
    form = QuestionFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() and form.cleaned_data["status"] else "open"
    page = Paginator(questions_listed(request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    target = AnswerSettings.current().target_working_days
    page.object_list = questions_annotate(page.object_list, today=timezone.localdate(), target=target)
    context = {"page": page, "status": status, "form": form, "target": target}
    return render(request, "answers/question_list.html", context)


@require_http_methods(["GET", "POST"])
def question_answer(request, pk):
    """A question with the FAQ entries that may answer it already, and the answer form."""
    question = question_or_404(request, pk, "questions.view")
    may_answer = access.has(request.user, "questions.answer", question.organisation)
    form = AnswerForm(request.POST or None)
    status, refusal = 200, ""
    if request.method == "POST":
        if not may_answer:
            access.require(request.user, "questions.answer", question.organisation)  # 403
        if form.is_valid():
            try:
                services.question_answer(
                    by=request.user, question=question, answer=form.cleaned_data["answer"]
                )
            except QuestionError as error:
                form.add_error("answer", error.message)
                refusal, status = error.message, 409
            else:
                messages.success(
                    request, _("Your answer was sent to %(name)s.") % {"name": question.asked_by.display_name}
                )
                return redirect("answers:question_answer", question.pk)
        else:
            status = 400
        question.refresh_from_db()
    target = AnswerSettings.current().target_working_days
    question = questions_annotate([question], today=timezone.localdate(), target=target)[0]
    search = FAQSearchForm(request.GET).query()
    entries = faq_entries_published()
    suggestions = (
        list(faq_search(entries, search)[:10]) if search else faq_suggestions(entries, question.text)
    )
    context = {
        "question": question,
        "form": form if may_answer and question.answered_at is None else None,
        "may_publish": access.has(request.user, "faq.edit") and question.answered_at is not None,
        "suggestions": suggestions,
        "search": search,
        "target": target,
        "refusal": refusal,
    }
    return render(request, "answers/question_answer.html", context, status=status)


@require_http_methods(["GET", "POST"])
def question_publish(request, pk):
    """An answered question made an FAQ entry: the form prefilled, the step and its category preset."""
    question = question_or_404(request, pk, "questions.view")
    access.require(request.user, "faq.edit")
    if question.answered_at is None:
        messages.error(request, _("Only an answered question can be published as FAQ."))
        return redirect("answers:question_answer", question.pk)
    code = question.step_entry.step.code if question.step_entry_id else ""
    initial = {
        "question": question.text[:200],
        "answer": question.answer,
        "step_codes": [code] if code else [],
        "category": FAQCategory.objects.filter(code=STEP_CATEGORY.get(code, "")).first(),
        "published": True,
    }
    form = FAQEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.faq_entry_create(by=request.user, data=form.values(), source_question=question)
        except QuestionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("“%(question)s” was added to the FAQ.") % {"question": entry.question}
            )
            return redirect("answers:question_answer", question.pk)
    return _faq_form_page(request, form, question=question, status=400 if form.errors else 200)


# --- asking from the contact's home -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def question_ask(request):
    """A contact asks the federation a question that belongs to no particular step."""
    access.require(request.user, "questions.ask")
    organisations = list(contact_organisations(request.user))
    form = AskForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.question_ask(
                    by=request.user,
                    entry=None,
                    organisation=form.cleaned_data["organisation"],
                    text=form.cleaned_data["text"],
                )
            except QuestionError as error:
                form.add_error("text", error.message)
            else:
                messages.success(request, _("Your question was sent. The federation will answer you soon."))
                return redirect(f"{reverse('federation:contact_home')}#questions")
        status = 400
    context = {
        "form": form,
        "organisations": organisations,
        "questions": list(my_questions(request.user).select_related("step_entry__step")[:10]),
        "question_max": QUESTION_MAX,
    }
    return render(request, "answers/question_ask.html", context, status=status)


# --- asking from a formation step ---------------------------------------------------------------------------


@require_POST
def step_question_ask(request, pk):
    """Ask the federation a question about a formation step; the run's owner is notified."""
    from workflows.views.common import entry_or_404
    from workflows.views.portal import step_page

    entry = entry_or_404(request, pk, "portal.use")
    text = request.POST.get("text", "")
    try:
        services.question_ask(by=request.user, entry=entry, text=text)
    except QuestionError as error:
        state = {"ask_text": text[:5000], "ask_error": error.message}
        return step_page(request, entry, panel_state=state, status=400)
    messages.success(request, _("Your question was sent. The federation will answer you soon."))
    return redirect(f"{reverse('workflows:portal_step', args=[entry.pk])}#ask")
