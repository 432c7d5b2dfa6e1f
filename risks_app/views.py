from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.accounts.models import Department
from collab.core.history import history_entries
from collab.core.pages import apply_errors, run_service, transition_buttons
from collab.core.paging import BoundedPaginator
from collab.core.versioning import save_edit, versioned
from requests_app.pages import requirement_or_404

from . import rules as perms
from . import services
from .forms import (
    EscalateForm,
    ReallocateForm,
    ReasonForm,
    ResolveForm,
    RiskForm,
    SpecialMeetingForm,
)
from .models import IMPACT_ORDER, Impact, RiskKind, RiskStatus
from .selectors import filter_risks, risk_detail, risk_list, risk_matrix, special_meetings

# Sortings of the register page (saved with its filters in saved views).
RISK_SORTS = {
    "planned_resolution": ("planned_resolution", "requirement_id", "code"),
    "impact": (
        Case(
            *[When(impact=value, then=Value(rank)) for rank, value in enumerate(IMPACT_ORDER)],
            output_field=IntegerField(),
        ),
        "requirement_id",
        "code",
    ),
}


def _risk_or_404(request, pk):
    return get_object_or_404(risk_detail(request.user), pk=pk)


@login_required
def risk_list_view(request, pk=None):
    """The register (template 3 column order) of one requirement, with its risk matrix;
    without a requirement, every record the user may see."""
    requirement = requirement_or_404(request, pk, detail=True) if pk is not None else None
    qs = risk_list(request.user)
    if requirement is not None:
        qs = qs.filter(requirement=requirement)
    matrix = risk_matrix(qs) if requirement is not None else None
    ordering = RISK_SORTS.get(request.GET.get("sort", ""), ("requirement_id", "code"))
    filtered = filter_risks(qs, request.GET).order_by(*ordering)
    page = BoundedPaginator(filtered, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "risks_app/risk_list.html",
        {
            "requirement": requirement,
            "page_obj": page,
            "matrix": matrix,
            "impacts": Impact.choices,
            "statuses": RiskStatus.choices,
            "kinds": RiskKind.choices,
            "departments": Department.objects.all(),
            "can_create": requirement is not None
            and perms.can_create_in(request.user, requirement),
            "today": timezone.localdate(),
        },
    )


@login_required
def risk_create_view(request, pk):
    requirement = requirement_or_404(request, pk, detail=True)
    if not perms.can_create_in(request.user, requirement):
        raise PermissionDenied
    form = RiskForm(
        request.POST or None,
        requirement=requirement,
        initial={
            "occurred_on": timezone.localdate(),
            "owner_department": request.user.department_id,
            "kind": request.GET.get("kind", RiskKind.RISK),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(
                requirement=requirement, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记 %(code)s") % {"code": risk.code})
            return redirect("risks:detail", pk=risk.pk)
    return render(
        request,
        "risks_app/risk_form.html",
        {"form": form, "requirement": requirement, "risk": None},
    )


@login_required
def risk_edit_view(request, pk):
    risk = _risk_or_404(request, pk)
    if not perms.can_edit(request.user, risk):
        raise PermissionDenied
    form = RiskForm(request.POST or None, instance=risk, requirement=risk.requirement)
    versioned(form, risk)
    if request.method == "POST" and form.is_valid():
        saved = save_edit(
            request,
            form,
            lambda data: services.risk_update(risk=risk, actor=request.user, data=data),
            _("已保存"),
        )
        if saved is not None:
            return redirect("risks:detail", pk=risk.pk)
    return render(
        request,
        "risks_app/risk_form.html",
        {"form": form, "requirement": risk.requirement, "risk": risk},
    )


@login_required
def risk_detail_view(request, pk):
    risk = _risk_or_404(request, pk)
    user = request.user
    requirement = risk.requirement
    can_work = perms.can_work_on(user, risk)
    return render(
        request,
        "risks_app/risk_detail.html",
        {
            "risk": risk,
            "requirement": requirement,
            # The resolve form asks for measures and the date, so its button needs no reasons.
            "buttons": transition_buttons(risk, user, unexplained=("resolve",)),
            "can_edit": perms.can_edit(user, risk),
            "resolve_form": ResolveForm(
                initial={
                    "measures": risk.measures,
                    "actual_resolution": risk.actual_resolution or timezone.localdate(),
                    "result": risk.result or services.DEFAULT_RESULT,
                }
            ),
            "can_escalate": perms.can_escalate(user, risk)
            and risk.is_active
            and not risk.is_escalated,
            "escalate_form": EscalateForm(),
            "can_reallocate": perms.can_reallocate(user, risk) and risk.is_escalated,
            "reallocate_form": ReallocateForm(
                requirement=requirement, initial={"task": risk.task_id}
            ),
            "reallocations": risk.reallocations.select_related("task", "actor"),
            "can_convene": can_work and risk.kind == RiskKind.ISSUE and risk.is_active,
            "meetings": special_meetings(risk),
            "history": history_entries(risk),
        },
    )


@login_required
@require_POST
def risk_transition_view(request, pk, name):
    risk = _risk_or_404(request, pk)
    service = services.TRANSITION_SERVICES.get(name)
    if service is None:
        return redirect("risks:detail", pk=pk)
    kwargs = {}
    if name == "resolve":
        form = ResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
            return redirect("risks:detail", pk=pk)
        kwargs = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    else:
        form = ReasonForm(request.POST)
        kwargs["reason"] = form.cleaned_data["reason"] if form.is_valid() else ""
    run_service(
        request,
        lambda: service(risk=risk, actor=request.user, **kwargs),
        _("操作成功"),
    )
    return redirect("risks:detail", pk=pk)


@login_required
@require_POST
def risk_escalate_view(request, pk):
    risk = _risk_or_404(request, pk)
    note = request.POST.get("note", "")
    run_service(
        request,
        lambda: services.risk_escalate(risk=risk, actor=request.user, note=note),
        _("已上报协调人"),
    )
    return redirect("risks:detail", pk=pk)


@login_required
@require_POST
def risk_reallocate_view(request, pk):
    risk = _risk_or_404(request, pk)
    form = ReallocateForm(request.POST, requirement=risk.requirement)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("risks:detail", pk=pk)
    run_service(
        request,
        lambda: services.risk_reallocate(risk=risk, actor=request.user, **form.cleaned_data),
        _("已调配资源"),
    )
    return redirect("risks:detail", pk=pk)


@login_required
def special_meeting_view(request, pk):
    risk = _risk_or_404(request, pk)
    if not (perms.can_work_on(request.user, risk) and risk.kind == RiskKind.ISSUE):
        raise PermissionDenied
    requirement = risk.requirement
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = SpecialMeetingForm(
        request.POST or None,
        requirement=requirement,
        initial={"held_at": now, "departments": [risk.owner_department_id]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.risk_convene_special_meeting(
                risk=risk, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已记录专题会"))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "risks_app/special_meeting_form.html",
        {"form": form, "risk": risk, "requirement": requirement},
    )
