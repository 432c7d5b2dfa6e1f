"""Use cases of the retrospective (复盘): its report (metrics, highlights, problems),
improvement actions tracked to done, confirmation that shares the report with every
department, and read receipts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.models import User
from collab.core.transitions import run_transition
from collab.notifications.models import Notification

from .. import events
from .. import rules as perms
from ..models import (
    Finding,
    FindingKind,
    ImprovementAction,
    Metric,
    Retrospective,
    RetrospectiveRead,
    RetrospectiveStatus,
)
from ..shared import clean_text, report_url


def _lock_retrospective(retrospective: Retrospective) -> Retrospective:
    return (
        Retrospective.objects.select_for_update()
        .select_related("requirement", "acceptance")
        .get(pk=retrospective.pk)
    )


def _require_editable(retrospective: Retrospective, actor: User) -> None:
    if not perms.can_edit_retrospective(actor, retrospective):
        raise PermissionDenied(_("只有组长、复盘人或协调人可以编辑复盘"))
    if retrospective.status != RetrospectiveStatus.DRAFT:
        raise ValidationError(_("复盘报告已确认，不能再修改"))


@transaction.atomic
def retrospective_update(*, retrospective: Retrospective, actor: User, data: dict) -> Retrospective:
    retrospective = _lock_retrospective(retrospective)
    _require_editable(retrospective, actor)
    fields = []
    if "held_on" in data:
        held_on = data["held_on"]
        if held_on is not None and held_on < retrospective.acceptance.accepted_on:
            raise ValidationError({"held_on": _("复盘会日期不能早于验收日期")})
        retrospective.held_on = held_on
        fields.append("held_on")
    if "reviewer" in data:
        reviewer = data["reviewer"]
        if reviewer is not None and (reviewer.is_partner or not reviewer.is_active):
            raise ValidationError({"reviewer": _("复盘人必须是内部在职人员")})
        retrospective.reviewer = reviewer
        fields.append("reviewer")
    if "summary" in data:
        retrospective.summary = data["summary"] or ""
        fields.append("summary")
    retrospective._history_user = actor
    retrospective._change_reason = _("编辑复盘")
    if fields:
        retrospective.save(update_fields=fields)
    return retrospective


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("%(label)s必须是数字") % {"label": label}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(label)s必须是数字") % {"label": label}})
    if abs(number) >= Decimal("1e12") or number.normalize().as_tuple().exponent < -4:
        raise ValidationError({field: _("%(label)s最多12位整数、4位小数") % {"label": label}})
    return number


def _metric_values(data: dict) -> dict:
    name = clean_text(data.get("name"), "name", label=_("指标名称"), max_length=100)
    unit = (data.get("unit") or "").strip()
    if len(unit) > 20:
        raise ValidationError({"unit": _("单位不能超过20个字")})
    target = _decimal(data.get("target"), "target", _("目标值"))
    actual = _decimal(data.get("actual"), "actual", _("实际值"))
    if target <= 0:
        raise ValidationError({"target": _("目标值必须大于0")})
    if actual < 0:
        raise ValidationError({"actual": _("实际值不能为负数")})
    return {"name": name, "unit": unit, "target": target, "actual": actual}


@transaction.atomic
def metric_add(*, retrospective: Retrospective, actor: User, data: dict) -> Metric:
    retrospective = _lock_retrospective(retrospective)
    _require_editable(retrospective, actor)
    values = _metric_values(data)
    last = retrospective.metrics.aggregate(m=Max("position"))["m"] or 0
    metric = Metric(retrospective=retrospective, position=last + 1, **values)
    metric._history_user = actor
    metric.save()
    return metric


@transaction.atomic
def metric_update(*, metric: Metric, actor: User, data: dict) -> Metric:
    retrospective = _lock_retrospective(metric.retrospective)
    _require_editable(retrospective, actor)
    current = {"name": metric.name, "unit": metric.unit, "target": metric.target}
    current["actual"] = metric.actual
    current.update({k: v for k, v in data.items() if k in current})
    for key, value in _metric_values(current).items():
        setattr(metric, key, value)
    metric._history_user = actor
    metric.save(update_fields=["name", "unit", "target", "actual"])
    return metric


@transaction.atomic
def metric_delete(*, metric: Metric, actor: User) -> None:
    retrospective = _lock_retrospective(metric.retrospective)
    _require_editable(retrospective, actor)
    metric._history_user = actor
    metric.delete()


@transaction.atomic
def retrospective_set_metrics(
    *, retrospective: Retrospective, actor: User, items: list[dict]
) -> Retrospective:
    """Replace every metric (API PUT/PATCH of `metrics`)."""
    retrospective = _lock_retrospective(retrospective)
    _require_editable(retrospective, actor)
    rows = [
        Metric(retrospective=retrospective, position=i, **_metric_values(item))
        for i, item in enumerate(items, start=1)
    ]
    retrospective.metrics.all().delete()
    Metric.objects.bulk_create(rows)
    return retrospective


@transaction.atomic
def finding_add(*, retrospective: Retrospective, actor: User, kind: str, text: str) -> Finding:
    retrospective = _lock_retrospective(retrospective)
    _require_editable(retrospective, actor)
    if kind not in FindingKind.values:
        raise ValidationError({"kind": _("类型只能是协作亮点或存在问题")})
    text = clean_text(text, "text", label=_("内容"), max_length=500)
    last = retrospective.findings.filter(kind=kind).aggregate(m=Max("position"))["m"] or 0
    finding = Finding(retrospective=retrospective, kind=kind, text=text, position=last + 1)
    finding._history_user = actor
    finding.save()
    return finding


@transaction.atomic
def finding_delete(*, finding: Finding, actor: User) -> None:
    retrospective = _lock_retrospective(finding.retrospective)
    _require_editable(retrospective, actor)
    finding._history_user = actor
    finding.delete()


@transaction.atomic
def retrospective_set_findings(
    *, retrospective: Retrospective, actor: User, kind: str, texts: list[str]
) -> Retrospective:
    retrospective = _lock_retrospective(retrospective)
    _require_editable(retrospective, actor)
    field = "highlights" if kind == FindingKind.HIGHLIGHT else "problems"
    rows = [
        Finding(
            retrospective=retrospective,
            kind=kind,
            text=clean_text(text, field, label=_("内容"), max_length=500),
            position=i,
        )
        for i, text in enumerate(texts, start=1)
    ]
    retrospective.findings.filter(kind=kind).delete()
    Finding.objects.bulk_create(rows)
    return retrospective


def _action_values(data: dict) -> dict:
    errors = {}
    action = (data.get("action") or "").strip()
    if not action:
        errors["action"] = _("请填写改进措施")
    elif len(action) > 500:
        errors["action"] = _("改进措施不能超过500个字")
    owner, department = data.get("owner"), data.get("owner_department")
    if owner is None:
        errors["owner"] = _("请指定负责人")
    if department is None and owner is not None:
        department = owner.department
    if department is None:
        errors.setdefault("owner_department", _("请指定责任部门"))
    elif owner is not None and owner.department_id != department.pk:
        errors["owner"] = _("负责人必须属于责任部门")
    if data.get("due_date") is None:
        errors["due_date"] = _("请填写完成期限")
    if errors:
        raise ValidationError(errors)
    return {
        "action": action,
        "owner": owner,
        "owner_department": department,
        "due_date": data["due_date"],
    }


@transaction.atomic
def improvement_add(*, retrospective: Retrospective, actor: User, data: dict) -> ImprovementAction:
    retrospective = _lock_retrospective(retrospective)
    _require_editable(retrospective, actor)
    values = _action_values(data)
    last = retrospective.improvements.aggregate(m=Max("position"))["m"] or 0
    improvement = ImprovementAction(retrospective=retrospective, position=last + 1, **values)
    improvement._history_user = actor
    improvement._change_reason = _("新增改进措施")
    improvement.save()
    events.notify_improvement(improvement, actor=actor)
    return improvement


@transaction.atomic
def improvement_update(
    *, improvement: ImprovementAction, actor: User, data: dict
) -> ImprovementAction:
    improvement = ImprovementAction.objects.select_for_update().get(pk=improvement.pk)
    retrospective = _lock_retrospective(improvement.retrospective)
    _require_editable(retrospective, actor)
    previous_owner = improvement.owner_id
    current = {
        "action": improvement.action,
        "owner": improvement.owner,
        "owner_department": improvement.owner_department,
        "due_date": improvement.due_date,
    }
    current.update({k: v for k, v in data.items() if k in current})
    if "owner" in data and "owner_department" not in data and data["owner"] is not None:
        current["owner_department"] = data["owner"].department
    for key, value in _action_values(current).items():
        setattr(improvement, key, value)
    if "result" in data:
        improvement.result = data["result"] or ""
    improvement._history_user = actor
    improvement._change_reason = _("修改改进措施")
    improvement.save()
    if improvement.owner_id != previous_owner:
        events.notify_improvement(improvement, actor=actor)
    return improvement


@transaction.atomic
def improvement_delete(*, improvement: ImprovementAction, actor: User) -> None:
    retrospective = _lock_retrospective(improvement.retrospective)
    _require_editable(retrospective, actor)
    improvement._history_user = actor
    improvement.delete()


def _lock_action(improvement: ImprovementAction) -> ImprovementAction:
    return (
        ImprovementAction.objects.select_for_update()
        .select_related("retrospective__requirement")
        .get(pk=improvement.pk)
    )


@transaction.atomic
def improvement_start(
    *, improvement: ImprovementAction, actor: User, reason: str = ""
) -> ImprovementAction:
    improvement = _lock_action(improvement)
    run_transition(improvement, "start", actor=actor, reason=reason or _("开始落实改进措施"))
    improvement.save(update_fields=["status"])
    return improvement


@transaction.atomic
def improvement_finish(
    *,
    improvement: ImprovementAction,
    actor: User,
    done_on: date | None = None,
    result: str = "",
    reason: str = "",
) -> ImprovementAction:
    improvement = _lock_action(improvement)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("完成日期不能晚于今天")})
    run_transition(
        improvement,
        "finish",
        actor=actor,
        reason=reason or _("改进措施已完成"),
        done_on=done_on,
        result=(result or "").strip(),
    )
    improvement.save(update_fields=["status", "done_on", "result"])
    return improvement


@transaction.atomic
def improvement_reopen(
    *, improvement: ImprovementAction, actor: User, reason: str = ""
) -> ImprovementAction:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("重新打开时请填写原因")})
    improvement = _lock_action(improvement)
    run_transition(improvement, "reopen", actor=actor, reason=reason)
    improvement.save(update_fields=["status", "done_on"])
    return improvement


IMPROVEMENT_TRANSITIONS = {
    "start": improvement_start,
    "finish": improvement_finish,
    "reopen": improvement_reopen,
}


@transaction.atomic
def retrospective_confirm(
    *, retrospective: Retrospective, actor: User, reason: str = ""
) -> Retrospective:
    """The leader confirms the report; it is shared with every department (in-app
    notice to each department head; read receipts are kept)."""
    retrospective = _lock_retrospective(retrospective)
    run_transition(retrospective, "confirm", actor=actor, reason=reason or _("确认复盘报告"))
    retrospective.confirmed_at = timezone.now()
    retrospective.confirmed_by = actor
    retrospective.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    events.notify_retrospective(events.ReviewEvent.RETROSPECTIVE_SHARED, retrospective, actor=actor)
    return retrospective


RETROSPECTIVE_TRANSITIONS = {"confirm": retrospective_confirm}


def retrospective_mark_read(*, retrospective: Retrospective, user: User) -> bool:
    """Record that `user` read the shared report; returns True on the first read."""
    if retrospective.status != RetrospectiveStatus.CONFIRMED or not user.is_authenticated:
        return False
    _read, created = RetrospectiveRead.objects.get_or_create(retrospective=retrospective, user=user)
    if created:
        target = report_url(retrospective.requirement_id)
        # Deliberately a plain update: read flags of inbox rows need no history.
        Notification.objects.filter(
            recipient=user,
            kind=events.ReviewEvent.RETROSPECTIVE_SHARED,
            target=target,
            read_at__isnull=True,
        ).update(read_at=timezone.now())
    return created
