"""Template 3 风险与问题登记表 as a spreadsheet. Rows are matched by 记录ID within the
requirement and written through risks_app.services; a filled 实际解决时间 resolves the
record through its own transition."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.core.api import list_filtered
from collab.core.transitions import TransitionBlocked
from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import choice_label, owner_label
from tasks_app.models import Task

from . import services
from .lifecycle import LIFECYCLE
from .models import Impact, Risk, RiskKind, RiskStatus

IMPORT_REASON = gettext_lazy("Excel 导入")


def status_path(current: str, target: str) -> tuple[str, ...] | None:
    """The transitions that bring a record from `current` to the status in the file
    (None: not reachable by an import)."""
    return LIFECYCLE.path(current, target)


class RiskSheet(r.Sheet):
    key = "risks"
    title = gettext_lazy("风险与问题登记表")
    scoped = True
    match_column = "code"
    export_order = 30
    columns = (
        r.Column(
            "code",
            gettext_lazy("记录ID"),
            width=8,
            identifier="serial",
            help=gettext_lazy("三位数字，如 001；按文本填写"),
        ),
        r.Column("description", gettext_lazy("风险/问题描述"), required=True, width=32),
        r.Column(
            "impact",
            gettext_lazy("影响等级"),
            kind=r.CHOICE,
            choices=Impact.choices,
            required=True,
            width=10,
        ),
        r.Column(
            "owner",
            gettext_lazy("责任部门/人"),
            kind=r.OWNER,
            required=True,
            width=16,
            fields=("owner_department", "owner"),
        ),
        r.Column("occurred_on", gettext_lazy("发生时间"), kind=r.DATE, required=True, width=14),
        r.Column(
            "planned_resolution",
            gettext_lazy("计划解决时间"),
            kind=r.DATE,
            required=True,
            width=14,
        ),
        r.Column("actual_resolution", gettext_lazy("实际解决时间"), kind=r.DATE, width=14),
        r.Column("measures", gettext_lazy("解决措施"), width=32),
        r.Column("result", gettext_lazy("处理结果"), width=16),
        r.Column(
            "kind",
            gettext_lazy("类型"),
            kind=r.CHOICE,
            choices=RiskKind.choices,
            width=8,
            in_header=False,
        ),
        r.Column(
            "status",
            gettext_lazy("状态"),
            kind=r.CHOICE,
            choices=RiskStatus.choices,
            width=10,
            in_header=False,
        ),
        r.Column("task", gettext_lazy("关联任务"), width=10, in_header=False, fields=("task",)),
        r.Column("requirement_number", gettext_lazy("需求编号"), width=14, in_header=False),
    )

    # Export
    def _base(self, queryset):
        return queryset.select_related("owner_department", "owner", "task", "requirement").order_by(
            "requirement_id", "code", "id"
        )

    def export_queryset(self, user, params, requirement=None):
        from .api import RiskViewSet
        from .selectors import risk_list

        # The API's scope (only the records the user may see) with the list's filters
        # and search, also within a requirement.
        queryset = list_filtered(RiskViewSet, risk_list(user), params or {})
        if requirement is not None:
            queryset = queryset.filter(requirement=requirement)
        return self._base(queryset)

    def scope_queryset(self, context):
        return self._base(Risk.objects.filter(requirement=context["requirement"]))

    def identity(self, requirement):
        return {"requirement_number": requirement.number}

    def ignores(self, key, row):
        # A resolution date is recorded only when the record is resolved (see check()).
        return key == "actual_resolution" and row.get("status") in (
            RiskStatus.OPEN,
            RiskStatus.IN_PROGRESS,
        )

    def row_of(self, risk):
        impact, kind, status = self.column("impact"), self.column("kind"), self.column("status")
        return (
            risk.code,
            risk.description,
            choice_label(impact, risk.impact),
            owner_label(risk.owner_department, risk.owner),
            risk.occurred_on,
            risk.planned_resolution,
            risk.actual_resolution,
            risk.measures,
            risk.result,
            choice_label(kind, risk.kind),
            choice_label(status, risk.status),
            risk.task.code if risk.task_id else "",
            risk.requirement.number,
        )

    # Import
    def existing(self, values, context):
        code = values.get("code")
        if not code:
            return None
        return Risk.objects.filter(requirement=context["requirement"], code=code).first()

    def _target_status(self, values) -> str | None:
        if values.get("status"):
            return values["status"]
        if values.get("actual_resolution"):
            return RiskStatus.RESOLVED
        return None

    def check(self, parsed, context):
        values = parsed.values
        target = self._target_status(values)
        if values.get("actual_resolution") and target in (RiskStatus.OPEN, RiskStatus.IN_PROGRESS):
            parsed.warnings.append(
                r.RowError(
                    self.column("actual_resolution").header,
                    _("记录尚未解决，实际解决时间只在解决时记录，已忽略"),
                )
            )

    def apply(self, values, existing, context):
        """`values` holds the columns to write (an update only the changed ones)."""
        actor, requirement = context["actor"], context["requirement"]
        data: dict = {}
        if "task" in values:
            task = None
            if values.get("task"):
                task = Task.objects.filter(requirement=requirement, code=values["task"]).first()
                if task is None:
                    raise ValidationError(
                        {"task": _("关联任务 %(code)s 不存在") % {"code": values["task"]}}
                    )
            data["task"] = task
        for key in ("description", "impact", "occurred_on", "planned_resolution"):
            if key in values:
                data[key] = values[key]
        for key in ("measures", "result"):
            if key in values:
                data[key] = values.get(key) or ""
        if values.get("owner") is not None:
            data["owner_department"] = values["owner"].department
            data["owner"] = values["owner"].user
        if values.get("kind"):
            data["kind"] = values["kind"]
        reason = str(IMPORT_REASON)
        if existing is None:
            risk = services.risk_create(
                requirement=requirement, actor=actor, data=data, code=values.get("code") or None
            )
        else:
            risk = existing
            if any(getattr(existing, key) != value for key, value in data.items()):
                risk = services.risk_update(risk=existing, actor=actor, data=data, reason=reason)
        return self._drive_status(risk, values, actor)

    def _drive_status(self, risk, values, actor) -> list[r.RowError]:
        target = self._target_status(values)
        header = self.column("status").header
        if not target or target == risk.status:
            return []
        steps = status_path(risk.status, target)
        current = risk.get_status_display()
        if steps is None:
            return [
                r.RowError(
                    header,
                    _("不能从“%(from)s”改为“%(to)s”，状态未导入")
                    % {"from": current, "to": RiskStatus(target).label},
                )
            ]
        reason = str(IMPORT_REASON)
        try:
            with transaction.atomic():
                for step in steps:
                    kwargs = {"risk": risk, "actor": actor, "reason": reason}
                    if step == "resolve":
                        kwargs.update(
                            measures=values.get("measures") or None,
                            actual_resolution=values.get("actual_resolution"),
                            result=values.get("result") or None,
                        )
                    risk = services.TRANSITION_SERVICES[step](**kwargs)
        except (TransitionBlocked, PermissionDenied, ValidationError) as error:
            text = "；".join(getattr(error, "messages", None) or [str(error)])
            return [
                r.RowError(
                    header,
                    _("状态未导入，仍为“%(status)s”：%(reason)s")
                    % {"status": current, "reason": text},
                )
            ]
        return []
