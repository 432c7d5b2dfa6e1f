"""Pages of step 6 (成果交付与复盘): acceptance and retrospective tabs of a requirement,
the printable template-4 report, the lessons library and the improvement tracker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collab.accounts.models import Department
from collab.core.api import history_entries
from collab.core.pages import transition_buttons as requirement_buttons
from collab.core.transitions import TransitionBlocked, blocking_reasons, may_run
from collab.signoffs.services import signoff_state
from requests_app.selectors import requirement_detail

from . import rules as perms
from . import services
from .forms import (
    AcceptanceForm,
    CriterionForm,
    DeliverableForm,
    FailForm,
    FindingForm,
    FinishForm,
    ImprovementForm,
    LessonsFilterForm,
    MetricForm,
    ResultForm,
    RetrospectiveForm,
    SignForm,
)
from .models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceCriterion,
    ActionStatus,
    CriterionResult,
    Deliverable,
    Finding,
    FindingKind,
    ImprovementAction,
    Metric,
    Retrospective,
    RetrospectiveStatus,
)
from .selectors import (
    acceptance_detail_qs,
    acceptances_visible_to,
    criteria_lock_reason,
    current_acceptance,
    findings_of,
    improvement_list,
    improvements_visible_to,
    lessons_for_departments,
    lessons_list,
    read_receipts,
    retrospective_detail_qs,
    retrospectives_visible_to,
)

ACCEPTANCE_ACTIONS = ("submit", "revise", "accept", "fail")
IMPROVEMENT_ACTIONS = ("start", "finish", "reopen")


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error) or _("您没有执行该操作的权限")


def _run(request, call, success: str) -> bool:
    """Run a service; show its refusal as a message instead of failing the page."""
    try:
        call()
    except TransitionBlocked as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except PermissionDenied as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
        return True
    return False


def _form_errors(form) -> str:
    """Form errors as one message, each prefixed with its field label."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}：" if field is not None and field.label else ""
        parts.extend(f"{label}{error}" for error in errors)
    return "；".join(parts)


def _requirement_or_404(request, pk):
    return get_object_or_404(requirement_detail(request.user), pk=pk)


def _acceptance_or_404(request, pk) -> Acceptance:
    return get_object_or_404(
        acceptances_visible_to(request.user).select_related("requirement"), pk=pk
    )


def _retrospective_or_404(request, pk) -> Retrospective:
    # Writes need the requirement itself to be visible, not just the shared report.
    from requests_app.selectors import requirements_visible_to

    return get_object_or_404(
        Retrospective.objects.filter(
            requirement__in=requirements_visible_to(request.user).values("pk")
        ).select_related("requirement", "acceptance"),
        pk=pk,
    )


def _buttons(obj, names, user):
    buttons = []
    for name in names:
        if not may_run(obj, name, user):
            continue
        method = getattr(type(obj), name)
        transition = method._django_fsm.get_transition(obj.status)
        buttons.append(
            {
                "name": name,
                "label": transition.custom.get("label", name),
                "reasons": blocking_reasons(obj, name),
            }
        )
    return buttons


# Acceptance tab
@login_required
def acceptance_view(request, pk):
    requirement = _requirement_or_404(request, pk)
    user = request.user
    acceptance = current_acceptance(requirement)
    can_run = perms.can_run_acceptance(user, requirement)
    lock_reason = criteria_lock_reason(requirement)
    context = {
        "requirement": requirement,
        "criteria": list(requirement.acceptance_criteria.all()),
        "criteria_editable": can_run and lock_reason is None,
        "criteria_lock_reason": lock_reason,
        "can_run": can_run,
        "acceptance": acceptance,
        "attempts": list(requirement.acceptances.order_by("-attempt")),
        "dissolution": getattr(requirement, "group_dissolution", None),
        "complete_buttons": [
            b for b in requirement_buttons(requirement, user) if b["name"] == "complete"
        ],
        "complete_reasons": blocking_reasons(requirement, "complete")
        if requirement.status == "in_progress"
        else [],
        "criterion_form": CriterionForm(),
        "can_start": can_run
        and requirement.status == "in_progress"
        and (acceptance is None or acceptance.status == "failed"),
        "start_form": AcceptanceForm(
            requirement=requirement,
            initial={
                "accepted_on": timezone.localdate(),
                "departments": [requirement.initiating_department_id],
            },
        ),
    }
    if acceptance is not None:
        slots = signoff_state(acceptance, ACCEPTANCE_STAGE)
        for slot in slots:
            slot.can_sign = user in slot.signers and acceptance.signoff_open(ACCEPTANCE_STAGE)
        editable = can_run and acceptance.status == "draft"
        context.update(
            {
                "slots": slots,
                "editable": editable,
                "results": list(acceptance.results.all()),
                "deliverables": list(acceptance.deliverables.all()),
                "buttons": _buttons(acceptance, ACCEPTANCE_ACTIONS, user),
                "edit_form": AcceptanceForm(
                    requirement=requirement,
                    initial={
                        "accepted_on": acceptance.accepted_on,
                        "departments": [d.pk for d in acceptance.departments.all()],
                        "quality_rating": acceptance.quality_rating,
                        "quality_comment": acceptance.quality_comment,
                    },
                ),
                "deliverable_form": DeliverableForm(requirement=requirement),
                "fail_form": FailForm(requirement=requirement),
                "history": history_entries(acceptance),
            }
        )
    return render(request, "reviews_app/acceptance.html", context)


@login_required
@require_POST
def criterion_add_view(request, pk):
    requirement = _requirement_or_404(request, pk)
    form = CriterionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.criterion_add(
                requirement=requirement, actor=request.user, text=form.cleaned_data["text"]
            ),
            _("已添加验收标准"),
        )
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def criterion_edit_view(request, pk, criterion_id):
    requirement = _requirement_or_404(request, pk)
    criterion = get_object_or_404(AcceptanceCriterion, pk=criterion_id, requirement=requirement)
    form = CriterionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.criterion_update(
                criterion=criterion, actor=request.user, text=form.cleaned_data["text"]
            ),
            _("已保存验收标准"),
        )
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def criterion_delete_view(request, pk, criterion_id):
    requirement = _requirement_or_404(request, pk)
    criterion = get_object_or_404(AcceptanceCriterion, pk=criterion_id, requirement=requirement)
    _run(
        request,
        lambda: services.criterion_delete(criterion=criterion, actor=request.user),
        _("已删除验收标准"),
    )
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def acceptance_start_view(request, pk):
    requirement = _requirement_or_404(request, pk)
    form = AcceptanceForm(request.POST, requirement=requirement)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.acceptance_create(
                requirement=requirement, actor=request.user, **form.cleaned_data
            ),
            _("已发起成果验收"),
        )
    return redirect("reviews:acceptance", pk=pk)


@login_required
@require_POST
def acceptance_edit_view(request, pk):
    acceptance = _acceptance_or_404(request, pk)
    form = AcceptanceForm(request.POST, requirement=acceptance.requirement)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.acceptance_update(
                acceptance=acceptance, actor=request.user, data=form.cleaned_data
            ),
            _("已保存"),
        )
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


@login_required
@require_POST
def result_view(request, pk, result_id):
    acceptance = _acceptance_or_404(request, pk)
    result = get_object_or_404(CriterionResult, pk=result_id, acceptance=acceptance)
    form = ResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.acceptance_judge(
                acceptance=acceptance, actor=request.user, result=result, **form.cleaned_data
            ),
            _("已记录判定"),
        )
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


@login_required
@require_POST
def deliverable_add_view(request, pk):
    acceptance = _acceptance_or_404(request, pk)
    form = DeliverableForm(request.POST, requirement=acceptance.requirement)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.deliverable_add(
                acceptance=acceptance, actor=request.user, **form.cleaned_data
            ),
            _("已添加交付成果"),
        )
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


@login_required
@require_POST
def deliverable_delete_view(request, pk, deliverable_id):
    acceptance = _acceptance_or_404(request, pk)
    deliverable = get_object_or_404(Deliverable, pk=deliverable_id, acceptance=acceptance)
    _run(
        request,
        lambda: services.deliverable_remove(deliverable=deliverable, actor=request.user),
        _("已删除交付成果"),
    )
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


@login_required
@require_POST
def acceptance_sign_view(request, pk):
    acceptance = _acceptance_or_404(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("签字信息不完整"))
    else:
        _run(
            request,
            lambda: services.acceptance_sign(
                acceptance=acceptance, actor=request.user, **form.cleaned_data
            ),
            _("已签字"),
        )
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


@login_required
@require_POST
def acceptance_transition_view(request, pk, name):
    acceptance = _acceptance_or_404(request, pk)
    service = services.ACCEPTANCE_TRANSITIONS.get(name)
    if service is None:
        raise Http404
    kwargs = {"reason": request.POST.get("reason", "")[:2000]}
    if name == "fail":
        form = FailForm(request.POST, requirement=acceptance.requirement)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("reviews:acceptance", pk=acceptance.requirement_id)
        kwargs = {"reason": form.cleaned_data["reason"], "rework": form.cleaned_data["rework"]}
    _run(
        request,
        lambda: service(acceptance=acceptance, actor=request.user, **kwargs),
        _("操作成功"),
    )
    return redirect("reviews:acceptance", pk=acceptance.requirement_id)


# Retrospective tab
@login_required
def retrospective_view(request, pk):
    requirement = _requirement_or_404(request, pk)
    retrospective = retrospective_detail_qs().filter(requirement=requirement).first()
    context = {"requirement": requirement, "retrospective": retrospective}
    if retrospective is not None:
        user = request.user
        editable = (
            perms.can_edit_retrospective(user, retrospective)
            and retrospective.status == RetrospectiveStatus.DRAFT
        )
        services.retrospective_mark_read(retrospective=retrospective, user=user)
        today = timezone.localdate()
        context.update(
            {
                "editable": editable,
                "metrics": list(retrospective.metrics.all()),
                "highlights": findings_of(retrospective, FindingKind.HIGHLIGHT),
                "problems": findings_of(retrospective, FindingKind.PROBLEM),
                "improvements": _with_action_buttons(list(retrospective.improvements.all()), user),
                "buttons": _buttons(retrospective, ["confirm"], user),
                "overdue": retrospective.status == RetrospectiveStatus.DRAFT
                and today > retrospective.due_on,
                "days_left": (retrospective.due_on - today).days,
                "receipts": read_receipts(retrospective)
                if retrospective.status == RetrospectiveStatus.CONFIRMED
                else [],
                "form": RetrospectiveForm(
                    initial={
                        "held_on": retrospective.held_on,
                        "reviewer": retrospective.reviewer_id,
                        "summary": retrospective.summary,
                    }
                ),
                "metric_form": MetricForm(),
                "finding_form": FindingForm(),
                "improvement_form": ImprovementForm(),
                "finish_form": FinishForm(),
                "history": history_entries(retrospective),
            }
        )
    return render(request, "reviews_app/retrospective.html", context)


def _with_action_buttons(actions, user):
    for action in actions:
        action.buttons = _buttons(action, IMPROVEMENT_ACTIONS, user)
    return actions


def _back_to_retrospective(retrospective):
    return redirect("reviews:retrospective", pk=retrospective.requirement_id)


@login_required
@require_POST
def retrospective_edit_view(request, pk):
    retrospective = _retrospective_or_404(request, pk)
    form = RetrospectiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.retrospective_update(
                retrospective=retrospective, actor=request.user, data=form.cleaned_data
            ),
            _("已保存"),
        )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def metric_add_view(request, pk):
    retrospective = _retrospective_or_404(request, pk)
    form = MetricForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.metric_add(
                retrospective=retrospective, actor=request.user, data=form.cleaned_data
            ),
            _("已添加指标"),
        )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def metric_delete_view(request, pk, metric_id):
    retrospective = _retrospective_or_404(request, pk)
    metric = get_object_or_404(Metric, pk=metric_id, retrospective=retrospective)
    _run(
        request,
        lambda: services.metric_delete(metric=metric, actor=request.user),
        _("已删除指标"),
    )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def finding_add_view(request, pk):
    retrospective = _retrospective_or_404(request, pk)
    form = FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.finding_add(
                retrospective=retrospective, actor=request.user, **form.cleaned_data
            ),
            _("已添加"),
        )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def finding_delete_view(request, pk, finding_id):
    retrospective = _retrospective_or_404(request, pk)
    finding = get_object_or_404(Finding, pk=finding_id, retrospective=retrospective)
    _run(
        request,
        lambda: services.finding_delete(finding=finding, actor=request.user),
        _("已删除"),
    )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def improvement_add_view(request, pk):
    retrospective = _retrospective_or_404(request, pk)
    form = ImprovementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        _run(
            request,
            lambda: services.improvement_add(
                retrospective=retrospective, actor=request.user, data=form.cleaned_data
            ),
            _("已添加改进措施"),
        )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def improvement_delete_view(request, pk, action_id):
    retrospective = _retrospective_or_404(request, pk)
    improvement = get_object_or_404(ImprovementAction, pk=action_id, retrospective=retrospective)
    _run(
        request,
        lambda: services.improvement_delete(improvement=improvement, actor=request.user),
        _("已删除改进措施"),
    )
    return _back_to_retrospective(retrospective)


@login_required
@require_POST
def improvement_transition_view(request, action_id, name):
    improvement = get_object_or_404(
        improvements_visible_to(request.user).select_related("retrospective"), pk=action_id
    )
    service = services.IMPROVEMENT_TRANSITIONS.get(name)
    if service is None:
        raise Http404
    form = FinishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        kwargs = {"reason": form.cleaned_data["reason"]}
        if name == "finish":
            kwargs.update(done_on=form.cleaned_data["done_on"], result=form.cleaned_data["result"])
        _run(
            request,
            lambda: service(improvement=improvement, actor=request.user, **kwargs),
            _("操作成功"),
        )
    next_url = request.POST.get("next", "")
    if next_url == "improvements":
        return redirect("reviews:improvements")
    return _back_to_retrospective(improvement.retrospective)


@login_required
@require_POST
def retrospective_confirm_view(request, pk):
    retrospective = _retrospective_or_404(request, pk)
    _run(
        request,
        lambda: services.retrospective_confirm(retrospective=retrospective, actor=request.user),
        _("复盘报告已确认，并已分享给各部门"),
    )
    return _back_to_retrospective(retrospective)


# Printable template-4 report
@login_required
def report_view(request, pk):
    """成果验收与复盘表 for printing. Readable by whoever sees the requirement and, once
    confirmed, by every internal user (the report is shared with every department)."""
    retrospective = (
        retrospective_detail_qs()
        .filter(pk__in=retrospectives_visible_to(request.user).values("pk"))
        .filter(requirement_id=pk)
        .first()
    )
    if retrospective is None:
        raise Http404
    services.retrospective_mark_read(retrospective=retrospective, user=request.user)
    acceptance = acceptance_detail_qs().filter(pk=retrospective.acceptance_id).first()
    slots = signoff_state(acceptance, ACCEPTANCE_STAGE)
    return render(
        request,
        "reviews_app/report.html",
        {
            "retrospective": retrospective,
            "requirement": retrospective.requirement,
            "acceptance": acceptance,
            "results": list(acceptance.results.all()),
            "slots": slots,
            "metrics": list(retrospective.metrics.all()),
            "highlights": findings_of(retrospective, FindingKind.HIGHLIGHT),
            "problems": findings_of(retrospective, FindingKind.PROBLEM),
            "improvements": list(retrospective.improvements.all()),
        },
    )


# Lessons library (经验库) and improvement tracker
@login_required
def lessons_view(request):
    if request.user.is_partner:
        raise Http404
    form = LessonsFilterForm(request.GET or None)
    department, q = None, ""
    if form.is_valid():
        department, q = form.cleaned_data["department"], form.cleaned_data["q"]
    qs = lessons_list(request.user, department=department, q=q)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    for retrospective in page:
        retrospective.highlight_list = findings_of(retrospective, FindingKind.HIGHLIGHT)
        retrospective.problem_list = findings_of(retrospective, FindingKind.PROBLEM)
    return render(
        request,
        "reviews_app/lessons.html",
        {"page_obj": page, "form": form, "departments": Department.objects.all(), "q": q},
    )


@login_required
@require_GET
def lessons_hint_view(request):
    """htmx partial on the requirement form: the selected departments' open improvement
    actions and recent problems."""
    if request.user.is_partner:
        raise Http404
    ids = [v for v in request.GET.getlist("departments") if v.isdigit()]
    departments = Department.objects.filter(pk__in=ids)
    return render(request, "reviews_app/_lessons_hint.html", lessons_for_departments(departments))


@login_required
def improvements_view(request):
    qs = improvement_list(request.user)
    status = request.GET.get("status", "")
    if status in ActionStatus.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.exclude(status=ActionStatus.DONE)
    department = request.GET.get("department", "")
    if department.isdigit():
        qs = qs.filter(owner_department=int(department))
    if request.GET.get("mine"):
        qs = qs.filter(owner=request.user)
    page = Paginator(qs.order_by("due_date", "id"), 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for action in page:
        action.can_update = perms.can_update_action(request.user, action)
        action.overdue = action.status != ActionStatus.DONE and action.due_date < today
    return render(
        request,
        "reviews_app/improvements.html",
        {
            "page_obj": page,
            "statuses": ActionStatus.choices,
            "departments": Department.objects.filter(kind=Department.Kind.INTERNAL),
        },
    )
