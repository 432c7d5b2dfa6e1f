"""Pages of plans (方案): list per requirement, detail with versions, department
review comments, sign-offs and approval."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.history import history_entries
from collab.core.pages import run_service, submit_form, transition_buttons
from collab.core.versioning import save_edit, versioned
from collab.signoffs.pages import sign_response
from collab.signoffs.services import signoff_state
from requests_app.forms import ReasonForm
from requests_app.pages import requirement_or_404

from . import plan_services
from . import rules as perms
from .forms import PlanCommentForm, PlanForm
from .models import PLAN_STAGE
from .selectors import plan_list, requirement_plans


def _plan_or_404(request, plan_id):
    return get_object_or_404(plan_list(request.user), pk=plan_id)


def _can_write_plans(user, requirement) -> bool:
    if requirement.status not in ("confirmed", "in_progress"):
        return False
    return perms.manages_all(user, requirement) or requirement.tasks.filter(owner=user).exists()


@login_required
def plans_view(request, pk):
    requirement = requirement_or_404(request, pk)
    plans = list(requirement_plans(requirement))
    for plan in plans:
        plan.slots = signoff_state(plan, PLAN_STAGE)
    return render(
        request,
        "tasks_app/plans.html",
        {
            "requirement": requirement,
            "plans": plans,
            "can_create": _can_write_plans(request.user, requirement),
        },
    )


@login_required
def plan_create_view(request, pk):
    requirement = requirement_or_404(request, pk)
    if not _can_write_plans(request.user, requirement):
        raise PermissionDenied
    form = PlanForm(request.POST or None, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        plan = submit_form(
            request,
            form,
            lambda data: plan_services.plan_create(
                requirement=requirement, actor=request.user, **data
            ),
            _("方案已保存为草稿"),
        )
        if plan is not None:
            return redirect("tasks:plan_detail", plan_id=plan.pk)
    return render(request, "tasks_app/plan_form.html", {"form": form, "requirement": requirement})


@login_required
def plan_edit_view(request, plan_id):
    plan = _plan_or_404(request, plan_id)
    if not perms.can_edit_plan(request.user, plan):
        raise PermissionDenied
    form = PlanForm(request.POST or None, instance=plan, requirement=plan.requirement)
    versioned(form, plan)
    if request.method == "POST" and form.is_valid():
        saved = save_edit(
            request,
            form,
            lambda data: plan_services.plan_update(
                plan=plan, actor=request.user, data={k: v for k, v in data.items() if k != "task"}
            ),
            _("已保存"),
        )
        if saved is not None:
            return redirect("tasks:plan_detail", plan_id=plan.pk)
    return render(
        request,
        "tasks_app/plan_form.html",
        {"form": form, "requirement": plan.requirement, "plan": plan},
    )


@login_required
def plan_detail_view(request, plan_id):
    plan = _plan_or_404(request, plan_id)
    user = request.user
    comments = plan.comments.select_related("department", "author")
    return render(
        request,
        "tasks_app/plan_detail.html",
        {
            "plan": plan,
            "requirement": plan.requirement,
            "buttons": transition_buttons(plan, user),
            "versions": plan.versions.select_related("submitted_by"),
            "comments": comments,
            "comment_form": PlanCommentForm(),
            "can_edit": perms.can_edit_plan(user, plan) and plan.status == "draft",
            "history": history_entries(plan),
        },
    )


@login_required
@require_POST
def plan_transition_view(request, plan_id, name):
    plan = _plan_or_404(request, plan_id)
    service = plan_services.PLAN_TRANSITION_SERVICES.get(name)
    if service is None:
        return redirect("tasks:plan_detail", plan_id=plan_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_service(
        request,
        lambda: service(plan=plan, actor=request.user, reason=reason),
        lambda done: _("操作成功，当前状态：%(s)s") % {"s": done.get_status_display()},
    )
    return redirect("tasks:plan_detail", plan_id=plan_id)


@login_required
@require_POST
def plan_sign_view(request, plan_id):
    plan = _plan_or_404(request, plan_id)
    return sign_response(
        request,
        partial(plan_services.plan_sign, plan=plan),
        target=plan,
        stage=PLAN_STAGE,
        person_slot="leader",
        back=reverse("tasks:plan_detail", args=[plan_id]),
    )


@login_required
@require_POST
def plan_comment_view(request, plan_id):
    plan = _plan_or_404(request, plan_id)
    form = PlanCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写评审意见"))
        return redirect("tasks:plan_detail", plan_id=plan_id)
    run_service(
        request,
        lambda: plan_services.plan_comment(
            plan=plan, actor=request.user, body=form.cleaned_data["body"]
        ),
        _("已提交评审意见"),
    )
    return redirect("tasks:plan_detail", plan_id=plan_id)
