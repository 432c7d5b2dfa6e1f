"""Lifecycles of a task (template 2) and of a plan (方案), and what a requirement needs
from them before it starts (added to the requirement's `start` in apps.py)."""

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.core.lifecycle import Condition, Lifecycle, Pending, Transition
from requests_app.lifecycle import Step

from . import rules as perms

PLAN_STAGE = "plan_approval"


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    BLOCKED = "blocked", _("阻塞")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("评审中")
    APPROVED = "approved", _("已批准")


# Conditions ------------------------------------------------------------------------
def requirement_in_progress(task) -> str | None:
    if task.requirement.status != "in_progress":
        return gettext("需求开始执行后才能开始任务")
    return None


def dependencies_finished(task) -> str | None:
    waiting = [d.code for d in task.depends_on.all() if d.status not in CLOSED_STATUSES]
    if waiting:
        return gettext("前置任务尚未完成：%(codes)s") % {"codes": "、".join(sorted(waiting))}
    return None


def plan_signed(plan) -> str | None:
    from collab.signoffs.services import signoff_blockers

    reasons = signoff_blockers(plan, PLAN_STAGE)
    return "；".join(reasons) if reasons else None


def requirement_has_tasks(requirement) -> str | None:
    """At least one task that is not cancelled (reads the annotated `has_live_tasks` in
    lists, the prefetchable `tasks` otherwise)."""
    live = getattr(requirement, "has_live_tasks", None)
    if live is None:
        live = any(t.status != TaskStatus.CANCELLED for t in requirement.tasks.all())
    if not live:
        return gettext("尚未分解任务（至少需要一个任务）")
    return None


def requirement_plans_approved(requirement) -> str | None:
    unapproved = getattr(requirement, "has_unapproved_plans", None)
    if unapproved is not None:  # a list row: whether, not which
        return gettext("还有方案尚未批准") if unapproved else None
    titles = [p.title for p in requirement.plans.all() if p.status != PlanStatus.APPROVED]
    if titles:
        return gettext("以下方案尚未批准：%(titles)s") % {"titles": "、".join(titles[:5])}
    return None


def has_tasks_annotations() -> dict:
    from .models import Task

    live = Task.objects.filter(requirement=OuterRef("pk")).exclude(status=TaskStatus.CANCELLED)
    return {"has_live_tasks": Exists(live)}


def plans_approved_annotations() -> dict:
    from .models import Plan

    unapproved = Plan.objects.filter(requirement=OuterRef("pk")).exclude(status=PlanStatus.APPROVED)
    return {"has_unapproved_plans": Exists(unapproved)}


def tasks_pending(requirement) -> list[Pending]:
    from .stage import tasks_pending as pending

    return pending(requirement)


def plans_pending(requirement) -> list[Pending]:
    from .stage import plans_pending as pending

    return pending(requirement)


# Added to the requirement's `start` by TasksAppConfig.ready().
REQUIREMENT_START_CONDITIONS = [
    Condition(
        "has_tasks",
        _("至少有一个未取消的任务"),
        requirement_has_tasks,
        prefetch=("tasks",),
        step=Step.DIVISION,
        pending=tasks_pending,
        annotations=has_tasks_annotations,
    ),
    Condition(
        "plans_approved",
        _("所有方案均已批准"),
        requirement_plans_approved,
        prefetch=("plans",),
        step=Step.PLANS,
        pending=plans_pending,
        annotations=plans_approved_annotations,
    ),
]

T = TaskStatus
TASK_LIFECYCLE = Lifecycle(
    "tasks_app.Task",
    title=_("任务"),
    states=TaskStatus,
    transitions=[
        Transition(
            "start",
            source=(T.NOT_STARTED,),
            target=T.IN_PROGRESS,
            label=_("开始"),
            who=_("任务负责人、负责部门接口人、组长或协调人"),
            permission=perms.fsm_can_update,
            conditions=[
                Condition("requirement_in_progress", _("需求处于执行中"), requirement_in_progress),
                Condition(
                    "dependencies_finished", _("前置任务均已完成或取消"), dependencies_finished
                ),
            ],
        ),
        Transition(
            "block",
            source=(T.IN_PROGRESS,),
            target=T.BLOCKED,
            label=_("标记阻塞"),
            who=_("任务负责人、负责部门接口人、组长或协调人"),
            permission=perms.fsm_can_update,
            needs_reason=True,
        ),
        Transition(
            "unblock",
            source=(T.BLOCKED,),
            target=T.IN_PROGRESS,
            label=_("解除阻塞"),
            who=_("任务负责人、负责部门接口人、组长或协调人"),
            permission=perms.fsm_can_update,
        ),
        Transition(
            "finish",
            source=(T.IN_PROGRESS,),
            target=T.DONE,
            label=_("完成"),
            who=_("任务负责人、负责部门接口人、组长或协调人"),
            permission=perms.fsm_can_update,
        ),
        Transition(
            "reopen",
            source=(T.DONE,),
            target=T.IN_PROGRESS,
            label=_("重新打开"),
            who=_("组长或协调人"),
            permission=perms.fsm_can_reopen,
            needs_reason=True,
        ),
        Transition(
            "cancel",
            source=OPEN_STATUSES,
            target=T.CANCELLED,
            label=_("取消任务"),
            who=_("组长或协调人"),
            permission=perms.fsm_can_reopen,
            needs_reason=True,
        ),
    ],
)

P = PlanStatus
PLAN_LIFECYCLE = Lifecycle(
    "tasks_app.Plan",
    title=_("方案"),
    states=PlanStatus,
    transitions=[
        Transition(
            "submit",
            source=(P.DRAFT,),
            target=P.IN_REVIEW,
            label=_("提交评审"),
            who=_("方案负责人（任务负责部门接口人）、组长或协调人"),
            permission=perms.fsm_can_edit_plan,
        ),
        Transition(
            "approve",
            source=(P.IN_REVIEW,),
            target=P.APPROVED,
            label=_("批准方案"),
            who=_("组长或协调人"),
            permission=perms.fsm_can_approve_plan,
            conditions=[
                Condition("plan_signed", _("组长及各相关部门负责人均已同意本版本"), plan_signed),
            ],
        ),
        Transition(
            "revise",
            source=(P.IN_REVIEW, P.APPROVED),
            target=P.DRAFT,
            label=_("修订（新版本）"),
            who=_("方案负责人（任务负责部门接口人）、组长或协调人"),
            permission=perms.fsm_can_edit_plan,
            needs_reason=True,
        ),
    ],
)
