"""Lifecycles of template 4: an acceptance (成果验收), a retrospective (复盘) and its
improvement actions (改进措施); and what a requirement needs before it completes
(added to the requirement's `complete` in apps.py)."""

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collab.core.lifecycle import Condition, Followup, Lifecycle, Pending, Transition
from requests_app.lifecycle import RequirementStatus, Step

from . import rules as perms

ACCEPTANCE_STAGE = "acceptance"


class AcceptanceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SIGNING = "signing", _("签字中")
    PASSED = "passed", _("验收通过")
    FAILED = "failed", _("验收不通过")


class RetrospectiveStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CONFIRMED = "confirmed", _("已确认")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("待开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")


def _joined(reasons) -> str | None:
    return "；".join(str(r) for r in reasons) if reasons else None


# Requirement completion ------------------------------------------------------------
def requirement_accepted(requirement) -> str | None:
    passed = getattr(requirement, "has_passed_acceptance", None)
    if passed is None:
        passed = any(a.status == AcceptanceStatus.PASSED for a in requirement.acceptances.all())
    if not passed:
        return gettext("尚未通过成果验收")
    return None


def requirement_tasks_closed(requirement) -> str | None:
    from tasks_app.lifecycle import CLOSED_STATUSES

    open_left = getattr(requirement, "has_open_tasks", None)
    if open_left is not None:  # a list row: whether, not which
        return gettext("还有任务尚未完成或取消") if open_left else None
    open_tasks = sorted(
        (t for t in requirement.tasks.all() if t.status not in CLOSED_STATUSES),
        key=lambda t: t.code_sort,
    )
    if open_tasks:
        codes = "、".join(t.code for t in open_tasks)
        return gettext("以下任务尚未完成或取消：%(codes)s") % {"codes": codes}
    return None


def accepted_annotations() -> dict:
    from .models import Acceptance

    passed = Acceptance.objects.filter(requirement=OuterRef("pk"), status=AcceptanceStatus.PASSED)
    return {"has_passed_acceptance": Exists(passed)}


def tasks_closed_annotations() -> dict:
    from tasks_app.lifecycle import CLOSED_STATUSES
    from tasks_app.models import Task

    still_open = Task.objects.filter(requirement=OuterRef("pk")).exclude(status__in=CLOSED_STATUSES)
    return {"has_open_tasks": Exists(still_open)}


def dissolve_group(requirement, *, actor) -> None:
    from .acceptance.services import dissolve_group as dissolve

    dissolve(requirement=requirement, actor=actor)


def acceptance_pending(requirement) -> list[Pending]:
    from .stage import acceptance_pending as pending

    return pending(requirement)


def open_tasks_pending(requirement) -> list[Pending]:
    from .stage import open_tasks_pending as pending

    return pending(requirement)


REQUIREMENT_COMPLETE_CONDITIONS = [
    Condition(
        "accepted",
        _("成果验收已通过"),
        requirement_accepted,
        prefetch=("acceptances",),
        step=Step.DELIVERY,
        pending=acceptance_pending,
        annotations=accepted_annotations,
    ),
    Condition(
        "tasks_closed",
        _("所有任务已完成或取消"),
        requirement_tasks_closed,
        prefetch=("tasks",),
        step=Step.EXECUTION,
        pending=open_tasks_pending,
        annotations=tasks_closed_annotations,
    ),
]
REQUIREMENT_COMPLETE_FOLLOWUPS = [
    Followup("dissolve_group", _("解散协作小组（成员保留查看权限）并通知成员"), dissolve_group),
]


# Acceptance ------------------------------------------------------------------------
def acceptance_ready(acceptance) -> str | None:
    reasons = []
    if acceptance.requirement.status != RequirementStatus.IN_PROGRESS:
        reasons.append(gettext("需求不在执行中"))
    if not list(acceptance.departments.all()):
        reasons.append(gettext("尚未选择验收小组"))
    pending = [r.text for r in acceptance.results.all() if r.passed is None]
    if pending:
        reasons.append(gettext("以下验收标准尚未判定：%(items)s") % {"items": "；".join(pending)})
    if not acceptance.quality_rating:
        reasons.append(gettext("尚未填写成果质量评价"))
    if not list(acceptance.deliverables.all()):
        reasons.append(gettext("交付成果清单为空"))
    return _joined(reasons)


def acceptance_signed_and_passed(acceptance) -> str | None:
    from collab.signoffs.services import signoff_blockers

    from .models import QualityRating

    reasons = list(signoff_blockers(acceptance, ACCEPTANCE_STAGE))
    failed = [r.text for r in acceptance.results.all() if r.passed is not True]
    if failed:
        reasons.append(gettext("以下验收标准未通过：%(items)s") % {"items": "；".join(failed)})
    if acceptance.quality_rating == QualityRating.FAIL:
        reasons.append(gettext("成果质量评价为不合格"))
    return _joined(reasons)


A = AcceptanceStatus
WHO_ACCEPTS = _("发起部门联系人或负责人、组长或协调人")
ACCEPTANCE_LIFECYCLE = Lifecycle(
    "reviews_app.Acceptance",
    title=_("成果验收"),
    states=AcceptanceStatus,
    transitions=[
        Transition(
            "submit",
            source=(A.DRAFT,),
            target=A.SIGNING,
            label=_("提交签字"),
            who=WHO_ACCEPTS,
            permission=perms.fsm_can_run_acceptance,
            conditions=[
                Condition(
                    "ready",
                    _("需求执行中；已选验收小组；每条标准已判定；已评价质量；交付成果不为空"),
                    acceptance_ready,
                ),
            ],
        ),
        Transition(
            "revise",
            source=(A.SIGNING,),
            target=A.DRAFT,
            label=_("退回修改"),
            who=WHO_ACCEPTS,
            permission=perms.fsm_can_run_acceptance,
        ),
        Transition(
            "accept",
            source=(A.SIGNING,),
            target=A.PASSED,
            label=_("验收通过"),
            who=WHO_ACCEPTS,
            permission=perms.fsm_can_run_acceptance,
            conditions=[
                Condition(
                    "signed_and_passed",
                    _("验收小组各部门负责人均已同意；每条标准通过；质量评价不是不合格"),
                    acceptance_signed_and_passed,
                ),
            ],
        ),
        Transition(
            "fail",
            source=(A.DRAFT, A.SIGNING),
            target=A.FAILED,
            label=_("验收不通过"),
            who=WHO_ACCEPTS,
            permission=perms.fsm_can_run_acceptance,
            needs_reason=True,
        ),
    ],
)


# Retrospective ---------------------------------------------------------------------
def retrospective_complete(retrospective) -> str | None:
    reasons = []
    if retrospective.held_on is None:
        reasons.append(gettext("尚未填写复盘会日期"))
    if retrospective.reviewer_id is None:
        reasons.append(gettext("尚未指定复盘人"))
    if not list(retrospective.metrics.all()):
        reasons.append(gettext("尚未填写目标达成情况"))
    if not list(retrospective.findings.all()):
        reasons.append(gettext("尚未填写协作亮点或存在问题"))
    return _joined(reasons)


RETROSPECTIVE_LIFECYCLE = Lifecycle(
    "reviews_app.Retrospective",
    title=_("复盘"),
    states=RetrospectiveStatus,
    transitions=[
        Transition(
            "confirm",
            source=(RetrospectiveStatus.DRAFT,),
            target=RetrospectiveStatus.CONFIRMED,
            label=_("确认复盘报告"),
            who=_("组长"),
            permission=perms.fsm_can_confirm_retrospective,
            conditions=[
                Condition(
                    "complete",
                    _("已填写复盘会日期、复盘人、目标达成情况、亮点或问题"),
                    retrospective_complete,
                ),
            ],
        ),
    ],
)


# Improvement actions ---------------------------------------------------------------
WHO_IMPROVES = _("责任人、责任部门负责人、组长或协调人")
ACTION_LIFECYCLE = Lifecycle(
    "reviews_app.ImprovementAction",
    title=_("改进措施"),
    states=ActionStatus,
    transitions=[
        Transition(
            "start",
            source=(ActionStatus.OPEN,),
            target=ActionStatus.IN_PROGRESS,
            label=_("开始"),
            who=WHO_IMPROVES,
            permission=perms.fsm_can_update_action,
        ),
        Transition(
            "finish",
            source=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
            target=ActionStatus.DONE,
            label=_("完成"),
            who=WHO_IMPROVES,
            permission=perms.fsm_can_update_action,
        ),
        Transition(
            "reopen",
            source=(ActionStatus.DONE,),
            target=ActionStatus.IN_PROGRESS,
            label=_("重新打开"),
            who=WHO_IMPROVES,
            permission=perms.fsm_can_update_action,
            in_admin=False,
        ),
    ],
)
