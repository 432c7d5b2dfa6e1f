"""Use cases of the risk and issue register (template 3): record, work, resolve, reopen,
special meetings for issues, escalation to the coordinator and reallocation."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.core.history import merged_entries
from collab.core.transitions import run_transition
from meetings.models import CauseCategory, Meeting, MeetingKind
from meetings.services import meeting_create
from requests_app.models import Requirement
from tasks_app import services as task_services
from tasks_app.models import Task

from . import events
from . import rules as perms
from .models import ACTIVE_STATUSES, Impact, Reallocation, Risk, RiskKind, RiskStatus
from .selectors import today

EDITABLE_FIELDS = (
    "kind",
    "description",
    "impact",
    "owner_department",
    "owner",
    "occurred_on",
    "planned_resolution",
    "measures",
    "result",
    "task",
)
# Set by the services (resolution, reopening, escalation), never typed in a form.
SYSTEM_FIELDS = (
    "actual_resolution",
    "reopen_reason",
    "escalated_at",
    "escalated_by",
    "escalation_note",
    "created_by",
)
DEFAULT_RESULT = "已解决"


def _validate(risk: Risk) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    for name in ("description", "measures", "result"):
        value = getattr(risk, name)
        if isinstance(value, str):
            setattr(risk, name, value.strip())
    if not risk.description:
        add("description", _("请填写风险/问题描述"))
    if risk.kind not in RiskKind.values:
        add("kind", _("类型应为 风险 或 问题"))
    if risk.impact not in Impact.values:
        add("impact", _("影响等级应为 高、中 或 低"))
    if risk.owner_department_id is None:
        add("owner_department", _("请选择责任部门"))
    if risk.owner_id is not None:
        owner = risk.owner
        if not owner.is_active:
            add("owner", _("责任人账号已停用"))
        elif risk.owner_department_id and owner.department_id != risk.owner_department_id:
            add("owner", _("责任人必须属于责任部门"))
    if risk.occurred_on is None:
        add("occurred_on", _("请填写发生时间"))
    elif risk.occurred_on > today():
        add("occurred_on", _("发生时间不能晚于今天"))
    if risk.planned_resolution is None:
        add("planned_resolution", _("请填写计划解决时间"))
    elif risk.occurred_on and risk.planned_resolution < risk.occurred_on:
        add("planned_resolution", _("计划解决时间不能早于发生时间"))
    if risk.actual_resolution is not None:
        if risk.occurred_on and risk.actual_resolution < risk.occurred_on:
            add("actual_resolution", _("实际解决时间不能早于发生时间"))
        if risk.actual_resolution > today():
            add("actual_resolution", _("实际解决时间不能晚于今天"))
    if risk.task_id is not None and risk.task.requirement_id != risk.requirement_id:
        add("task", _("关联任务必须属于同一需求"))
    if len(risk.result or "") > Risk._meta.get_field("result").max_length:
        add("result", _("内容过长"))
    if errors:
        raise ValidationError(errors)


def next_code(requirement: Requirement) -> str:
    codes = Risk.objects.filter(requirement=requirement).values_list("code", flat=True)
    top = max((int(code) for code in codes if code.isdigit()), default=0)
    return f"{top + 1:03d}"


def _save(risk: Risk, actor: User | None, reason: str, **kwargs) -> None:
    risk._history_user = actor
    risk._change_reason = reason
    try:
        with transaction.atomic():
            risk.save(**kwargs)
    except IntegrityError as error:
        raise ValidationError(_("保存失败：数据冲突，请检查后重试")) from error


@transaction.atomic
def risk_create(
    *, requirement: Requirement, actor: User, data: dict, code: str | None = None, rule: str = ""
) -> Risk:
    """Record a risk or issue; the record id (001, 002…) is the next in the requirement.

    `rule`: the record is opened by that rule (its history says 系统 and the rule);
    `actor` is still the person whose permission it runs with and who is recorded as
    having registered it."""
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    if not perms.can_create_in(actor, requirement):
        raise PermissionDenied(_("只有协作小组成员可以在执行中的需求下登记风险与问题"))
    fields = {key: value for key, value in data.items() if key in EDITABLE_FIELDS}
    fields.setdefault("occurred_on", today())
    risk = Risk(requirement=requirement, created_by=actor, **fields)
    if risk.owner_id and not risk.owner_department_id:
        risk.owner_department = risk.owner.department
    _validate(risk)
    if code:
        code = code.strip()
        if not (code.isdigit() and len(code) >= 3):
            raise ValidationError({"code": _("记录ID应为三位数字，例如 001")})
        if Risk.objects.filter(requirement=requirement, code=code).exists():
            raise ValidationError({"code": _("记录ID %(code)s 已存在") % {"code": code}})
        risk.code = code
    else:
        risk.code = next_code(requirement)
    reason = rule or _("登记%(kind)s") % {"kind": risk.get_kind_display()}
    _save(risk, None if rule else actor, reason)
    events.notify_risk(events.RiskEvent.RAISED, risk, actor=None if rule else actor)
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor: User, data: dict, reason: str = "") -> Risk:
    risk = Risk.objects.select_for_update().select_related("requirement").get(pk=risk.pk)
    if not perms.can_edit(actor, risk):
        raise PermissionDenied(_("您不能修改该记录"))
    previous_owner = risk.owner_id
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            setattr(risk, key, value)
    if risk.status == RiskStatus.RESOLVED and not (risk.measures or "").strip():
        raise ValidationError({"measures": _("已解决的记录必须保留解决措施")})
    _validate(risk)
    _save(risk, actor, reason or _("修改记录"))
    if risk.owner_id and risk.owner_id != previous_owner:
        events.notify_risk(events.RiskEvent.REASSIGNED, risk, actor=actor)
    return risk


def _transition(risk: Risk, name: str, *, actor: User, reason: str, **kwargs) -> Risk:
    run_transition(risk, name, actor=actor, reason=reason, **kwargs)
    _save(risk, actor, reason)
    return risk


def _locked(risk: Risk) -> Risk:
    return Risk.objects.select_for_update().select_related("requirement").get(pk=risk.pk)


@transaction.atomic
def risk_start(*, risk: Risk, actor: User, reason: str = "") -> Risk:
    return _transition(_locked(risk), "start", actor=actor, reason=reason or _("开始处理"))


@transaction.atomic
def risk_resolve(
    *,
    risk: Risk,
    actor: User,
    measures: str | None = None,
    actual_resolution: datetime.date | None = None,
    result: str | None = None,
    reason: str = "",
) -> Risk:
    """Resolve: needs the measures taken and the actual resolution date."""
    risk = _locked(risk)
    if not perms.can_work_on(actor, risk):
        raise PermissionDenied(_("只有责任人、组长或协调人可以处理该记录"))
    if measures is not None:
        risk.measures = measures
    if actual_resolution is not None:
        risk.actual_resolution = actual_resolution
    if result is not None:
        risk.result = result
    if risk.actual_resolution is not None:
        _validate(risk)
    if not (risk.result or "").strip():
        risk.result = DEFAULT_RESULT
    risk = _transition(risk, "resolve", actor=actor, reason=reason or _("问题已解决"))
    events.notify_risk(
        events.RiskEvent.RESOLVED, risk, actor=actor, params={"measures": risk.measures}
    )
    return risk


@transaction.atomic
def risk_close(*, risk: Risk, actor: User, reason: str = "") -> Risk:
    return _transition(_locked(risk), "close", actor=actor, reason=reason or _("关闭记录"))


@transaction.atomic
def risk_reopen(*, risk: Risk, actor: User, reason: str = "") -> Risk:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("重新打开时必须填写原因")})
    return _transition(
        _locked(risk), "reopen", actor=actor, reason=reason.strip(), reason_text=reason.strip()
    )


TRANSITION_SERVICES = {
    "start": risk_start,
    "resolve": risk_resolve,
    "close": risk_close,
    "reopen": risk_reopen,
}


# Special meeting (专题会) for an issue
@transaction.atomic
def risk_convene_special_meeting(
    *,
    risk: Risk,
    actor: User,
    held_at,
    cause_category: str,
    solution: str,
    recovery_plan: str,
    recovery_deadline: datetime.date | None,
    departments: Iterable[Department] = (),
    attendees: Iterable[User] = (),
    minutes: str = "",
    decisions: str = "",
    title: str = "",
    location: str = "",
) -> Meeting:
    """The owner of an issue convenes the departments concerned: cause, solution, recovery
    plan and deadline. Action items follow the meeting rules."""
    risk = _locked(risk)
    if not perms.can_work_on(actor, risk):
        raise PermissionDenied(_("只有责任人、组长或协调人可以召集专题会"))
    if risk.kind != RiskKind.ISSUE:
        raise ValidationError({"kind": _("专题会针对已发生的问题；请先把风险改为问题")})
    if risk.status not in ACTIVE_STATUSES:
        raise ValidationError(_("该问题已解决或关闭，无需召开专题会"))
    departments = list(departments)
    if not departments:
        raise ValidationError({"departments": _("请至少选择一个相关部门")})
    errors = {}
    if cause_category not in CauseCategory.values:
        errors["cause_category"] = [_("请选择原因类别")]
    if not (solution or "").strip():
        errors["solution"] = [_("请填写解决方案")]
    if not (recovery_plan or "").strip():
        errors["recovery_plan"] = [_("请填写恢复计划")]
    if recovery_deadline is None:
        errors["recovery_deadline"] = [_("请填写恢复期限")]
    if errors:
        raise ValidationError(errors)
    meeting = meeting_create(
        requirement=risk.requirement,
        actor=actor,
        kind=MeetingKind.SPECIAL,
        held_at=held_at,
        subject=risk,
        departments=departments,
        attendees=list(attendees),
        title=title
        or _("专题会：%(code)s %(text)s")
        % {
            "code": risk.code,
            "text": risk.description[:40],
        },
        agenda=_("问题 %(code)s：%(text)s") % {"code": risk.code, "text": risk.description},
        minutes=minutes,
        decisions=decisions,
        location=location,
        cause_category=cause_category,
        solution=solution,
        recovery_plan=recovery_plan,
        recovery_deadline=recovery_deadline,
    )
    if risk.status == RiskStatus.OPEN:
        _transition(risk, "start", actor=actor, reason=_("召开专题会"))
    return meeting


# Escalation (上报协调人) and reallocation (调配资源)
@transaction.atomic
def risk_escalate(*, risk: Risk, actor: User, note: str) -> Risk:
    risk = _locked(risk)
    if not perms.can_escalate(actor, risk):
        raise PermissionDenied(_("只有组长可以上报协调人"))
    if not (note or "").strip():
        raise ValidationError({"note": _("请说明上报原因和需要的支持")})
    if risk.status not in ACTIVE_STATUSES:
        raise ValidationError(_("只有未解决的记录可以上报"))
    if risk.escalated_at is not None:
        raise ValidationError(_("该记录已上报协调人"))
    risk.escalated_at = timezone.now()
    risk.escalated_by = actor
    risk.escalation_note = note.strip()
    _save(
        risk,
        actor,
        _("上报协调人：%(note)s") % {"note": risk.escalation_note},
        update_fields=["escalated_at", "escalated_by", "escalation_note", "updated_at"],
    )
    events.notify_risk(
        events.RiskEvent.ESCALATED, risk, actor=actor, params={"note": risk.escalation_note}
    )
    return risk


@transaction.atomic
def risk_reallocate(
    *,
    risk: Risk,
    actor: User,
    task: Task,
    reason: str,
    owner: User | None = None,
    planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None,
    add_collaborators: Iterable[User] = (),
) -> list[Reallocation]:
    """The coordinator reallocates for an escalated record: reassign the task's owner,
    move its dates, add people. Each change carries the reason into the task's history
    and is listed on the record."""
    risk = _locked(risk)
    if not perms.can_reallocate(actor, risk):
        raise PermissionDenied(_("只有协作协调人可以调配资源"))
    if risk.escalated_at is None:
        raise ValidationError(_("该记录尚未上报协调人"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("调配资源时必须填写原因")})
    if task is None or task.requirement_id != risk.requirement_id:
        raise ValidationError({"task": _("请选择本需求的任务")})
    add_collaborators = list(add_collaborators)
    if owner is None and planned_start is None and planned_end is None and not add_collaborators:
        raise ValidationError(_("请至少做一项调整：负责人、计划时间或协作人"))
    history_reason = _("协调人调配（%(code)s）：%(reason)s") % {"code": risk.code, "reason": reason}
    with merged_entries(Task, task.pk):  # one reallocation, one entry in the task's history
        changes = _reallocate(
            risk,
            actor,
            task,
            reason,
            history_reason,
            owner=owner,
            planned_start=planned_start,
            planned_end=planned_end,
            add_collaborators=add_collaborators,
        )
    if not changes:
        raise ValidationError(_("所做调整与当前任务一致，没有变化"))
    if risk.task_id is None:
        risk.task = task
        _save(risk, actor, history_reason, update_fields=["task", "updated_at"])
    return changes


def _reallocate(
    risk,
    actor,
    task,
    reason,
    history_reason,
    *,
    owner,
    planned_start,
    planned_end,
    add_collaborators,
) -> list[Reallocation]:
    changes: list[Reallocation] = []

    def record(change, detail):
        changes.append(
            Reallocation.objects.create(
                risk=risk, task=task, change=change, detail=detail, reason=reason, actor=actor
            )
        )

    if owner is not None and owner.pk != task.owner_id:
        previous = task.owner.label
        task = task_services.task_update(
            task=task,
            actor=actor,
            data={"owner": owner, "owner_department": owner.department},
            reason=history_reason,
        )
        record(Reallocation.Change.OWNER, f"{task.code} {previous} → {owner.label}")
    if planned_start is not None or planned_end is not None:
        start = planned_start or task.planned_start
        end = planned_end or task.planned_end
        if (start, end) != (task.planned_start, task.planned_end):
            before = f"{task.planned_start:%Y-%m-%d}~{task.planned_end:%Y-%m-%d}"
            task = task_services.task_reschedule(
                task=task, actor=actor, planned_start=start, planned_end=end, reason=history_reason
            )
            record(
                Reallocation.Change.DATES,
                f"{task.code} {before} → {start:%Y-%m-%d}~{end:%Y-%m-%d}",
            )
    new_people = [u for u in add_collaborators if u not in set(task.collaborators.all())]
    if new_people:
        departments = set(task.collaborating_departments.all()) | {
            u.department for u in new_people if u.department_id != task.owner_department_id
        }
        task = task_services.task_update(
            task=task,
            actor=actor,
            data={
                "collaborators": [*task.collaborators.all(), *new_people],
                "collaborating_departments": [d for d in departments if d is not None],
            },
            reason=history_reason,
        )
        record(
            Reallocation.Change.PEOPLE,
            f"{task.code} + " + "、".join(u.label for u in new_people),
        )
    return changes
