"""Pages of the retrospective (复盘): the retrospective tab of a requirement with its
metrics, findings and improvement actions, the printable template-4 report, the
lessons library and the improvement tracker."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collab.accounts.models import Department
from collab.core.history import history_entries
from collab.core.pages import run_service, transition_buttons
from collab.core.versioning import versioned
from collab.signoffs.services import signoff_state
from requests_app.pages import render_requirement_page, requirement_or_404

from .. import rules as perms
from ..acceptance.selectors import acceptance_detail_qs
from ..forms import (
    FindingForm,
    FinishForm,
    ImprovementForm,
    LessonsFilterForm,
    MetricForm,
    RetrospectiveForm,
)
from ..models import (
    ACCEPTANCE_STAGE,
    ActionStatus,
    Finding,
    FindingKind,
    ImprovementAction,
    Metric,
    RetrospectiveStatus,
)
from ..pages import retrospective_or_404, submit_edit, submit_form
from . import services
from .selectors import (
    findings_of,
    improvement_list,
    improvements_visible_to,
    lessons_for_departments,
    lessons_list,
    read_receipts,
    retrospective_detail_qs,
    retrospectives_visible_to,
)


def _back(retrospective):
    return redirect("reviews:retrospective", pk=retrospective.requirement_id)


def _with_action_buttons(actions, user):
    for action in actions:
        action.buttons = transition_buttons(action, user)
    return actions


def _report_context(retrospective, user) -> dict:
    """The report as the tab shows it: metrics, findings, actions, deadline and readers."""
    today = timezone.localdate()
    draft = retrospective.status == RetrospectiveStatus.DRAFT
    return {
        "editable": draft and perms.can_edit_retrospective(user, retrospective),
        "metrics": list(retrospective.metrics.all()),
        "highlights": findings_of(retrospective, FindingKind.HIGHLIGHT),
        "problems": findings_of(retrospective, FindingKind.PROBLEM),
        "improvements": _with_action_buttons(list(retrospective.improvements.all()), user),
        "buttons": transition_buttons(retrospective, user),
        "overdue": draft and today > retrospective.due_on,
        "days_left": (retrospective.due_on - today).days,
        "receipts": [] if draft else read_receipts(retrospective),
        "history": history_entries(retrospective),
    }


def _edit_forms(retrospective) -> dict:
    return {
        "form": versioned(RetrospectiveForm(), retrospective),
        "metric_form": MetricForm(),
        "finding_form": FindingForm(),
        "improvement_form": ImprovementForm(),
        "finish_form": FinishForm(),
    }


@login_required
def retrospective_view(request, pk):
    return _retrospective_page(request, pk)


def _retrospective_page(request, pk, **shown):
    """The retrospective tab; `shown` replaces parts of it (a form refused by a conflict)."""
    requirement = requirement_or_404(request, pk, detail=True)
    retrospective = retrospective_detail_qs().filter(requirement=requirement).first()
    context = {"retrospective": retrospective}
    if retrospective is not None:
        services.retrospective_mark_read(retrospective=retrospective, user=request.user)
        context.update(_report_context(retrospective, request.user))
        context.update(_edit_forms(retrospective))
        context.update(shown)
    return render_requirement_page(
        request, "reviews_app/retrospective.html", requirement, tab="retrospective", **context
    )


@login_required
@require_POST
def retrospective_edit_view(request, pk):
    retrospective = retrospective_or_404(request, pk)
    form = versioned(RetrospectiveForm(request.POST), retrospective)
    requirement_id = retrospective.requirement_id
    submit_edit(
        request,
        form,
        lambda data: services.retrospective_update(
            retrospective=retrospective, actor=request.user, data=data
        ),
        _("已保存"),
        reload_url=reverse("reviews:retrospective", args=[requirement_id]),
    )
    if form.conflict:
        return _retrospective_page(request, requirement_id, form=form)
    return _back(retrospective)


@login_required
@require_POST
def metric_add_view(request, pk):
    retrospective = retrospective_or_404(request, pk)
    submit_form(
        request,
        MetricForm(request.POST),
        lambda data: services.metric_add(
            retrospective=retrospective, actor=request.user, data=data
        ),
        _("已添加指标"),
    )
    return _back(retrospective)


@login_required
@require_POST
def metric_delete_view(request, pk, metric_id):
    retrospective = retrospective_or_404(request, pk)
    metric = get_object_or_404(Metric, pk=metric_id, retrospective=retrospective)
    run_service(
        request,
        lambda: services.metric_delete(metric=metric, actor=request.user),
        _("已删除指标"),
    )
    return _back(retrospective)


@login_required
@require_POST
def finding_add_view(request, pk):
    retrospective = retrospective_or_404(request, pk)
    submit_form(
        request,
        FindingForm(request.POST),
        lambda data: services.finding_add(retrospective=retrospective, actor=request.user, **data),
        _("已添加"),
    )
    return _back(retrospective)


@login_required
@require_POST
def finding_delete_view(request, pk, finding_id):
    retrospective = retrospective_or_404(request, pk)
    finding = get_object_or_404(Finding, pk=finding_id, retrospective=retrospective)
    run_service(
        request,
        lambda: services.finding_delete(finding=finding, actor=request.user),
        _("已删除"),
    )
    return _back(retrospective)


@login_required
@require_POST
def improvement_add_view(request, pk):
    retrospective = retrospective_or_404(request, pk)
    submit_form(
        request,
        ImprovementForm(request.POST),
        lambda data: services.improvement_add(
            retrospective=retrospective, actor=request.user, data=data
        ),
        _("已添加改进措施"),
    )
    return _back(retrospective)


@login_required
@require_POST
def improvement_delete_view(request, pk, action_id):
    retrospective = retrospective_or_404(request, pk)
    improvement = get_object_or_404(ImprovementAction, pk=action_id, retrospective=retrospective)
    run_service(
        request,
        lambda: services.improvement_delete(improvement=improvement, actor=request.user),
        _("已删除改进措施"),
    )
    return _back(retrospective)


def _transition_kwargs(name: str, data: dict) -> dict:
    kwargs = {"reason": data["reason"]}
    if name == "finish":
        kwargs.update(done_on=data["done_on"], result=data["result"])
    return kwargs


@login_required
@require_POST
def improvement_transition_view(request, action_id, name):
    improvement = get_object_or_404(
        improvements_visible_to(request.user).select_related("retrospective"), pk=action_id
    )
    service = services.IMPROVEMENT_TRANSITIONS.get(name)
    if service is None:
        raise Http404
    submit_form(
        request,
        FinishForm(request.POST),
        lambda data: service(
            improvement=improvement, actor=request.user, **_transition_kwargs(name, data)
        ),
        _("操作成功"),
    )
    if request.POST.get("next", "") == "improvements":
        return redirect("reviews:improvements")
    return _back(improvement.retrospective)


@login_required
@require_POST
def retrospective_confirm_view(request, pk):
    retrospective = retrospective_or_404(request, pk)
    run_service(
        request,
        lambda: services.retrospective_confirm(retrospective=retrospective, actor=request.user),
        _("复盘报告已确认，并已分享给各部门"),
    )
    return _back(retrospective)


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
    return render(
        request,
        "reviews_app/report.html",
        {
            "retrospective": retrospective,
            "requirement": retrospective.requirement,
            "acceptance": acceptance,
            "results": list(acceptance.results.all()),
            "slots": signoff_state(acceptance, ACCEPTANCE_STAGE),
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


def _filter_improvements(request, qs):
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
    return qs.order_by("due_date", "id")


@login_required
def improvements_view(request):
    qs = _filter_improvements(request, improvement_list(request.user))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
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
