"""Use cases of plans (方案): writing, versions, review comments, sign-off and approval.
Pages, API, admin and the demo write through these functions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from collab.accounts.models import Department, User
from collab.core.transitions import run_transition
from collab.notifications.mentions import notify_mentions
from collab.notifications.messages import translatable
from collab.signoffs.services import signoff_sign
from requests_app.models import Requirement

from . import events
from . import rules as perms
from .models import (
    PLAN_STAGE,
    BudgetUnit,
    Plan,
    PlanComment,
    PlanStatus,
    PlanVersion,
    Task,
)
from .services import OPEN_REQUIREMENT, involved_departments

PLAN_FIELDS = (
    "title",
    "body",
    "budget_amount",
    "budget_unit",
    "people",
    "tools",
    "contingency",
)


def _validate_plan(plan: Plan) -> None:
    errors: dict[str, list[str]] = {}
    try:
        plan.full_clean(
            exclude=["status", "requirement", "task", "author"], validate_constraints=False
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if plan.task_id and plan.task.requirement_id != plan.requirement_id:
        errors.setdefault("task", []).append(_("任务不属于该需求"))
    if plan.budget_amount is not None and plan.budget_amount < 0:
        errors.setdefault("budget_amount", []).append(_("预算金额不能为负数"))
    if plan.budget_unit not in BudgetUnit.values:
        errors.setdefault("budget_unit", []).append(_("预算单位只能是万元或元"))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *,
    requirement: Requirement,
    actor: User,
    title: str,
    body: str,
    task: Task | None = None,
    budget_amount=None,
    budget_unit: str = BudgetUnit.WAN_YUAN,
    people: str = "",
    tools: str = "",
    contingency: str = "",
) -> Plan:
    """Write a plan for a task (its owner or managers) or for the whole requirement
    (leader, coordinator)."""
    if requirement.status not in OPEN_REQUIREMENT:
        raise ValidationError(_("需求确认后、完成前才能编写方案"))
    plan = Plan(
        requirement=requirement,
        task=task,
        title=title,
        body=body,
        budget_amount=budget_amount,
        budget_unit=budget_unit or BudgetUnit.WAN_YUAN,
        people=people or "",
        tools=tools or "",
        contingency=contingency or "",
        author=actor,
    )
    allowed = (
        perms.can_update_task(actor, task)
        if task is not None and task.requirement_id == requirement.pk
        else perms.manages_all(actor, requirement)
    )
    if not allowed:
        raise PermissionDenied(_("您不能为此编写方案"))
    _validate_plan(plan)
    plan._history_user = actor
    plan._change_reason = _("编写方案")
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, actor: User, data: dict, reason: str = "") -> Plan:
    plan = (
        Plan.objects.select_for_update(of=("self",))
        .select_related("requirement", "task")
        .get(pk=plan.pk)
    )
    if not perms.can_edit_plan(actor, plan):
        raise PermissionDenied(_("您不能修改该方案"))
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的方案可以修改；已提交的方案请先修订"))
    for key in PLAN_FIELDS:
        if key in data:
            setattr(plan, key, data[key])
    _validate_plan(plan)
    plan._history_user = actor
    plan._change_reason = reason or _("修改方案")
    plan.save()
    return plan


def _plan_transition(plan: Plan, name: str, *, actor: User, reason: str) -> Plan:
    plan = (
        Plan.objects.select_for_update(of=("self",))
        .select_related("requirement", "task")
        .get(pk=plan.pk)
    )
    run_transition(plan, name, actor=actor, reason=reason)
    plan.save(update_fields=["status", "version", "updated_at"])
    return plan


@transaction.atomic
def plan_submit(*, plan: Plan, actor: User, reason: str = "") -> Plan:
    """Send the current version to review; its content is kept as that version."""
    plan = _plan_transition(plan, "submit", actor=actor, reason=reason or _("提交评审"))
    PlanVersion.objects.update_or_create(
        plan=plan,
        version=plan.version,
        defaults={
            **{key: getattr(plan, key) for key in PLAN_FIELDS},
            "submitted_by": actor,
        },
    )
    events.notify_plan(events.TaskEvent.PLAN_SUBMITTED, plan, actor=actor)
    return plan


@transaction.atomic
def plan_approve(*, plan: Plan, actor: User, reason: str = "") -> Plan:
    plan = _plan_transition(plan, "approve", actor=actor, reason=reason or _("方案批准"))
    events.notify_plan(events.TaskEvent.PLAN_APPROVED, plan, actor=actor)
    return plan


@transaction.atomic
def plan_revise(*, plan: Plan, actor: User, reason: str = "") -> Plan:
    """Back to draft as a new version; sign-offs start a new round."""
    return _plan_transition(plan, "revise", actor=actor, reason=reason or _("修订方案"))


PLAN_TRANSITION_SERVICES = {
    "submit": plan_submit,
    "approve": plan_approve,
    "revise": plan_revise,
}


@transaction.atomic
def plan_sign(
    *,
    plan: Plan,
    actor: User,
    decision: str,
    comment: str = "",
    department: Department | None = None,
):
    """Sign a plan in review: the leader (no department) or a department head."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    return signoff_sign(
        target=plan,
        stage=PLAN_STAGE,
        actor=actor,
        decision=decision,
        comment=comment,
        department=department,
    )


@transaction.atomic
def plan_comment(
    *, plan: Plan, actor: User, body: str, department: Department | None = None
) -> PlanComment:
    """A review comment from one department's angle (finance: budget; tech: feasibility)."""
    department = department or actor.department
    if not (body or "").strip():
        raise ValidationError({"body": _("请填写评审意见")})
    if department is None or actor.department_id != department.pk:
        raise ValidationError({"department": _("只能代表自己所属的部门发表意见")})
    requirement = plan.requirement
    member = bool(perms.memberships(actor, requirement))
    head = department.head_id == actor.pk and department.pk in involved_departments(requirement)
    if not (member or head or requirement.coordinator_id == actor.pk):
        raise PermissionDenied(_("只有协作小组成员和相关部门负责人可以评审方案"))
    if plan.status == PlanStatus.APPROVED:
        raise ValidationError(_("方案已批准；如需调整请先修订"))
    comment = PlanComment(
        plan=plan, version=plan.version, department=department, author=actor, body=body.strip()
    )
    comment._history_user = actor
    comment.save()
    notify_mentions(
        comment.body,
        target=comment,
        requirement=requirement,
        actor=actor,
        url=reverse("tasks:plan_detail", args=[plan.pk]),
        where=translatable(_lazy("方案「%(title)s」"), title=plan.title),
    )
    return comment
