"""Pages of the acceptance (成果验收): the acceptance tab of a requirement with its
criteria, the acceptance record, sign-offs and outcome."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.history import history_entries
from collab.core.pages import run_service, transition_buttons
from collab.core.transitions import blocking_reasons
from collab.core.versioning import mark_versions, versioned
from collab.signoffs.pages import sign_response
from requests_app.models import RequirementStatus
from requests_app.pages import render_requirement_page, requirement_or_404

from .. import rules as perms
from ..forms import AcceptanceForm, CriterionForm, DeliverableForm, FailForm, ResultForm
from ..lifecycle import ACCEPTANCE_STAGE
from ..models import AcceptanceCriterion, AcceptanceStatus, CriterionResult, Deliverable
from ..pages import acceptance_or_404, submit_edit, submit_form
from . import services
from .selectors import criteria_lock_reason, current_acceptance


def _back(acceptance):
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


def _tab_url(requirement_id) -> str:
    return reverse("reviews:acceptance", args=[requirement_id])


def _criteria_context(requirement, user) -> dict:
    criteria = list(requirement.acceptance_criteria.all())
    mark_versions(criteria, CriterionForm)
    can_run = perms.can_run_acceptance(user, requirement)
    lock_reason = criteria_lock_reason(requirement)
    in_progress = requirement.status == RequirementStatus.IN_PROGRESS
    return {
        "criteria": criteria,
        "criteria_editable": can_run and lock_reason is None,
        "criteria_lock_reason": lock_reason,
        "can_run": can_run,
        "criterion_form": CriterionForm(),
        "complete_buttons": transition_buttons(requirement, user, names=["complete"]),
        "complete_reasons": blocking_reasons(requirement, "complete") if in_progress else [],
    }


def _start_context(requirement, acceptance, can_run: bool) -> dict:
    restartable = acceptance is None or acceptance.status == AcceptanceStatus.FAILED
    return {
        "can_start": can_run
        and requirement.status == RequirementStatus.IN_PROGRESS
        and restartable,
        "start_form": AcceptanceForm(
            requirement=requirement,
            initial={
                "accepted_on": timezone.localdate(),
                "departments": [requirement.initiating_department_id],
            },
        ),
    }


def _acceptance_context(requirement, acceptance, user, can_run: bool) -> dict:
    """The current acceptance record: results, deliverables, buttons and edit forms (the
    sign card is rendered by the signoffs component)."""
    results = list(acceptance.results.all())
    mark_versions(results, ResultForm)
    return {
        "editable": can_run and acceptance.status == AcceptanceStatus.DRAFT,
        "results": results,
        "deliverables": list(acceptance.deliverables.all()),
        "buttons": transition_buttons(acceptance, user),
        "edit_form": versioned(AcceptanceForm(requirement=requirement), acceptance),
        "deliverable_form": DeliverableForm(requirement=requirement),
        "fail_form": FailForm(requirement=requirement),
        "history": history_entries(acceptance),
    }


@login_required
def acceptance_view(request, pk):
    return _acceptance_page(request, pk)


def _acceptance_page(request, pk, **shown):
    """The acceptance tab; `shown` replaces parts of it (a form refused by a conflict)."""
    requirement = requirement_or_404(request, pk, detail=True)
    user = request.user
    acceptance = current_acceptance(requirement)
    context = _criteria_context(requirement, user)
    context.update(_start_context(requirement, acceptance, context["can_run"]))
    context.update(
        acceptance=acceptance,
        attempts=list(requirement.acceptances.order_by("-attempt")),
        dissolution=getattr(requirement, "group_dissolution", None),
    )
    if acceptance is not None:
        context.update(_acceptance_context(requirement, acceptance, user, context["can_run"]))
    context.update(shown)
    return render_requirement_page(
        request, "reviews_app/acceptance.html", requirement, tab="acceptance", **context
    )


# Acceptance criteria
@login_required
@require_POST
def criterion_add_view(request, pk):
    requirement = requirement_or_404(request, pk)
    submit_form(
        request,
        CriterionForm(request.POST),
        lambda data: services.criterion_add(
            requirement=requirement, actor=request.user, text=data["text"]
        ),
        _("已添加验收标准"),
    )
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def criterion_edit_view(request, pk, criterion_id):
    requirement = requirement_or_404(request, pk)
    criterion = get_object_or_404(AcceptanceCriterion, pk=criterion_id, requirement=requirement)
    form = versioned(CriterionForm(request.POST), criterion)
    submit_edit(
        request,
        form,
        lambda data: services.criterion_update(
            criterion=criterion, actor=request.user, text=data["text"]
        ),
        _("已保存验收标准"),
        reload_url=_tab_url(requirement.pk),
    )
    if form.conflict:
        return _acceptance_page(request, pk, conflict=form.conflict)
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def criterion_delete_view(request, pk, criterion_id):
    requirement = requirement_or_404(request, pk)
    criterion = get_object_or_404(AcceptanceCriterion, pk=criterion_id, requirement=requirement)
    run_service(
        request,
        lambda: services.criterion_delete(criterion=criterion, actor=request.user),
        _("已删除验收标准"),
    )
    return redirect("reviews:acceptance", pk=pk)


# The acceptance record
@login_required
@require_POST
def acceptance_start_view(request, pk):
    requirement = requirement_or_404(request, pk)
    submit_form(
        request,
        AcceptanceForm(request.POST, requirement=requirement),
        lambda data: services.acceptance_create(
            requirement=requirement, actor=request.user, **data
        ),
        _("已发起成果验收"),
    )
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def acceptance_edit_view(request, pk):
    acceptance = acceptance_or_404(request, pk)
    form = AcceptanceForm(request.POST, requirement=acceptance.requirement)
    submit_edit(
        request,
        versioned(form, acceptance),
        lambda data: services.acceptance_update(
            acceptance=acceptance, actor=request.user, data=data
        ),
        _("已保存"),
        reload_url=_tab_url(acceptance.requirement_id),
    )
    if form.conflict:
        return _acceptance_page(request, acceptance.requirement_id, edit_form=form)
    return _back(acceptance)


@login_required
@require_POST
def result_view(request, pk, result_id):
    acceptance = acceptance_or_404(request, pk)
    result = get_object_or_404(CriterionResult, pk=result_id, acceptance=acceptance)
    form = versioned(ResultForm(request.POST), result)
    submit_edit(
        request,
        form,
        lambda data: services.acceptance_judge(
            acceptance=acceptance, actor=request.user, result=result, **data
        ),
        _("已记录判定"),
        reload_url=_tab_url(acceptance.requirement_id),
    )
    if form.conflict:
        return _acceptance_page(request, acceptance.requirement_id, conflict=form.conflict)
    return _back(acceptance)


@login_required
@require_POST
def deliverable_add_view(request, pk):
    acceptance = acceptance_or_404(request, pk)
    submit_form(
        request,
        DeliverableForm(request.POST, requirement=acceptance.requirement),
        lambda data: services.deliverable_add(acceptance=acceptance, actor=request.user, **data),
        _("已添加交付成果"),
    )
    return _back(acceptance)


@login_required
@require_POST
def deliverable_delete_view(request, pk, deliverable_id):
    acceptance = acceptance_or_404(request, pk)
    deliverable = get_object_or_404(Deliverable, pk=deliverable_id, acceptance=acceptance)
    run_service(
        request,
        lambda: services.deliverable_remove(deliverable=deliverable, actor=request.user),
        _("已删除交付成果"),
    )
    return _back(acceptance)


@login_required
@require_POST
def acceptance_sign_view(request, pk):
    acceptance = acceptance_or_404(request, pk)
    return sign_response(
        request,
        partial(services.acceptance_sign, acceptance=acceptance),
        target=acceptance,
        stage=ACCEPTANCE_STAGE,
        back=_tab_url(acceptance.requirement_id),
    )


@login_required
@require_POST
def acceptance_transition_view(request, pk, name):
    acceptance = acceptance_or_404(request, pk)
    service = services.ACCEPTANCE_TRANSITIONS.get(name)
    if service is None:
        raise Http404
    if name == "fail":
        # Failing needs the reason and the rework tasks of the fail form.
        submit_form(
            request,
            FailForm(request.POST, requirement=acceptance.requirement),
            lambda data: service(
                acceptance=acceptance,
                actor=request.user,
                reason=data["reason"],
                rework=data["rework"],
            ),
            _("操作成功"),
        )
        return _back(acceptance)
    reason = request.POST.get("reason", "")[:2000]
    run_service(
        request,
        lambda: service(acceptance=acceptance, actor=request.user, reason=reason),
        _("操作成功"),
    )
    return _back(acceptance)
