"""Template 1 跨部门协作需求登记表 as a spreadsheet: the register (one row per
requirement, columns in the seed's order) and the seed's own form of one requirement
(字段名称 | 填写说明 | 内容), both written through requests_app.services (imported
historical numbers are kept)."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.accounts.models import User
from collab.core.api import list_filtered
from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import CellError, choice_label, text

from . import services
from .models import Priority, Requirement, RequirementStatus
from .selectors import requirement_list
from .services import EDITABLE_FIELDS

UPDATABLE = EDITABLE_FIELDS
OPTIONAL_TEXTS = ("contact_info", "expected_outcomes", "resources", "remarks")
WINDOW = ("start_date", "end_date")
# 2024-07-15至2024-09-30, 2024-07-15 ~ 2024-09-30, 7月15日到9月30日
SPAN = re.compile(r"^\s*(?P<start>.+?)\s*(?:至|到|~|～|—|–|－|\s-\s)\s*(?P<end>.+?)\s*$")


# The seed's form of template 1: its fields, wording and 填写说明, in its order.
FORM = (
    r.FormField(
        gettext_lazy("需求编号"),
        ("number",),
        gettext_lazy("按年份+部门+序号编制（如“2024-MKT-001”）"),
    ),
    r.FormField(
        gettext_lazy("发起部门"), ("initiating_department",), gettext_lazy("提出需求的部门")
    ),
    r.FormField(gettext_lazy("发起人"), ("contact",), gettext_lazy("需求对接人（姓名用*代替）")),
    r.FormField(
        gettext_lazy("联系方式"), ("contact_info",), gettext_lazy("发起人电话/邮箱（虚拟信息）")
    ),
    r.FormField(gettext_lazy("协作主题"), ("topic",), gettext_lazy("需求核心内容（简洁明了）")),
    r.FormField(gettext_lazy("目标描述"), ("goal",), gettext_lazy("需达成的具体目标（可量化）")),
    r.FormField(gettext_lazy("涉及部门"), ("departments",), gettext_lazy("需协作的内部/外部部门")),
    r.FormField(
        gettext_lazy("预期成果"), ("expected_outcomes",), gettext_lazy("需交付的文档/物料")
    ),
    r.FormField(
        gettext_lazy("时间节点"),
        WINDOW,
        gettext_lazy("计划开始/结束时间（精确到日），如 2024-07-15至2024-09-30"),
    ),
    r.FormField(
        gettext_lazy("关键资源需求"), ("resources",), gettext_lazy("所需人力、预算、设备等")
    ),
    r.FormField(
        gettext_lazy("需求优先级"), ("priority",), gettext_lazy("高（P0）/中（P1）/低（P2）")
    ),
    r.FormField(
        gettext_lazy("需求状态"),
        ("status",),
        gettext_lazy("待评审/已确认/执行中/已完成/已驳回（按评审流程流转，导入不修改）"),
    ),
    r.FormField(
        gettext_lazy("备注"), ("remarks",), gettext_lazy("其他说明（如特殊要求、限制条件）")
    ),
)


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, datetime.date) else text(value)


def _department_order(department):
    """Internal departments first, then outside partners (as the seed lists them)."""
    return (department.kind != "internal", department.code)


class RequirementSheet(r.Sheet):
    key = "requirements"
    title = gettext_lazy("跨部门协作需求登记表")
    scoped = False
    match_column = "number"
    export_order = 10
    form = FORM
    form_header = (gettext_lazy("字段名称"), gettext_lazy("填写说明"), gettext_lazy("内容"))
    columns = (
        r.Column("number", gettext_lazy("需求编号"), width=16),
        r.Column(
            "initiating_department",
            gettext_lazy("发起部门"),
            kind=r.DEPARTMENT,
            required=True,
            width=12,
        ),
        r.Column("contact", gettext_lazy("发起人"), kind=r.PERSON, width=12),
        r.Column("contact_info", gettext_lazy("联系方式"), width=16),
        r.Column("topic", gettext_lazy("协作主题"), required=True, width=28),
        r.Column("goal", gettext_lazy("目标描述"), required=True, width=32),
        r.Column(
            "departments",
            gettext_lazy("涉及部门"),
            kind=r.DEPARTMENTS,
            required=True,
            width=28,
        ),
        r.Column("expected_outcomes", gettext_lazy("预期成果"), width=28),
        r.Column(
            "start_date",
            gettext_lazy("时间节点（开始）"),
            kind=r.DATE,
            required=True,
            width=14,
            aliases=("时间节点(开始)", "开始日期", "开始时间"),
        ),
        r.Column(
            "end_date",
            gettext_lazy("时间节点（结束）"),
            kind=r.DATE,
            required=True,
            width=14,
            aliases=("时间节点(结束)", "结束日期", "结束时间"),
        ),
        r.Column("resources", gettext_lazy("关键资源需求"), width=28),
        r.Column(
            "priority",
            gettext_lazy("需求优先级"),
            kind=r.CHOICE,
            choices=Priority.choices,
            required=True,
            width=12,
        ),
        r.Column(
            "status",
            gettext_lazy("需求状态"),
            kind=r.CHOICE,
            choices=RequirementStatus.choices,
            width=10,
        ),
        r.Column("remarks", gettext_lazy("备注"), width=28),
        r.Column(
            "coordinator",
            gettext_lazy("协作协调人"),
            kind=r.PERSON,
            width=12,
            in_header=False,
        ),
    )

    # Export
    def export_queryset(self, user, params, requirement=None):
        from .api import RequirementViewSet

        # The list endpoint's filters and search, plus `requirement` for one requirement.
        queryset = list_filtered(RequirementViewSet, requirement_list(user), params or {})
        if requirement is not None:
            queryset = queryset.filter(pk=requirement.pk)
        return queryset.order_by("number")

    def scope_queryset(self, context):
        return requirement_list(context["actor"]).select_related(
            "initiating_department", "contact", "coordinator"
        )

    def row_of(self, item):
        priority, status = self.column("priority"), self.column("status")
        return (
            item.number,
            item.initiating_department.name,
            item.contact.label,
            item.contact_info,
            item.topic,
            item.goal,
            "、".join(d.name for d in sorted(item.departments.all(), key=_department_order)),
            item.expected_outcomes,
            item.start_date,
            item.end_date,
            item.resources,
            choice_label(priority, item.priority),
            choice_label(status, item.status),
            item.remarks,
            item.coordinator.label,
        )

    def form_value(self, field, row):
        if tuple(field.keys) != WINDOW:
            return super().form_value(field, row)
        start, end = _day(row.get("start_date")), _day(row.get("end_date"))
        return f"{start}{_('至')}{end}" if start and end else start or end

    def form_read(self, field, raw):
        if tuple(field.keys) != WINDOW:
            return super().form_read(field, raw)
        if raw is None:
            return {"start_date": None, "end_date": None}
        match = SPAN.match(_day(raw))
        if not match:
            raise CellError(
                _("“%(value)s”应写成 开始日期至结束日期，如 2024-07-15至2024-09-30")
                % {"value": _day(raw)}
            )
        return {"start_date": match["start"], "end_date": match["end"]}

    def summary(self, requirement: Requirement):
        return [
            (_("需求编号"), requirement.number),
            (_("协作主题"), requirement.topic),
            (_("发起部门"), requirement.initiating_department.name),
            (_("需求状态"), requirement.get_status_display()),
            (
                _("时间节点"),
                f"{requirement.start_date:%Y-%m-%d} {_('至')} {requirement.end_date:%Y-%m-%d}",
            ),
        ]

    def visible_requirement(self, user, pk):
        """The requirement `pk` if `user` may see it (the engine's 404 check)."""
        return requirement_list(user).filter(pk=pk).first()

    # Import
    def import_context(self, *, actor, requirement=None) -> dict:
        coordinator = (
            actor
            if actor.is_coordinator
            else User.objects.filter(is_coordinator=True, is_active=True).order_by("pk").first()
        )
        return {"default_coordinator": coordinator}

    def existing(self, values, context):
        number = values.get("number")
        if not number:
            return None
        return (
            Requirement.objects.filter(number=number)
            .select_related("initiating_department", "coordinator")
            .prefetch_related("departments")
            .first()
        )

    def check(self, parsed, context):
        if not parsed.values.get("coordinator") and context["default_coordinator"]:
            existing = self.existing(parsed.values, context)
            if existing is None:
                parsed.warnings.append(
                    r.RowError(
                        self.column("coordinator").header,
                        _("未填写协作协调人，将由“%(name)s”负责评审")
                        % {"name": context["default_coordinator"].label},
                    )
                )
        status = parsed.values.get("status")
        number = parsed.values.get("number")
        existing = self.existing(parsed.values, context) if number else None
        header = self.column("status").header
        if existing is not None and status and status != existing.status:
            parsed.warnings.append(
                r.RowError(
                    header,
                    _("需求状态按评审流程流转，导入不会修改（当前为“%(status)s”）")
                    % {"status": existing.get_status_display()},
                )
            )
        elif existing is None and status and status != RequirementStatus.PENDING_REVIEW:
            parsed.warnings.append(
                r.RowError(header, _("新登记的需求从“待评审”开始，需求状态列将被忽略"))
            )
        contact = parsed.values.get("contact")
        if existing is not None and contact and contact != existing.contact:
            parsed.warnings.append(
                r.RowError(
                    self.column("contact").header,
                    _("发起人在登记后不能通过导入修改（当前为“%(name)s”），未导入")
                    % {"name": existing.contact.label},
                )
            )

    def _data(self, values, context, existing=None) -> dict:
        data = {key: values[key] for key in UPDATABLE if key in values}
        if existing is not None:
            # Only the columns the file changes: a column it leaves out stays as it is.
            if "coordinator" in data and not data["coordinator"]:
                data["coordinator"] = existing.coordinator
            for key in OPTIONAL_TEXTS:
                if key in data:
                    data[key] = data[key] or ""
            return data
        if not data.get("coordinator"):
            data["coordinator"] = context["default_coordinator"]
        if data["coordinator"] is None:
            raise ValidationError({"coordinator": _("系统中没有协作协调人，请先设置")})
        for key in OPTIONAL_TEXTS:
            data[key] = data.get(key) or ""
        return data

    def apply(self, values, existing, context):
        """`values` holds the columns to write (an update only the changed ones)."""
        actor = context["actor"]
        data = self._data(values, context, existing)
        if "departments" in values or existing is None:
            departments = values.get("departments") or []
        else:
            departments = list(existing.departments.all())
        if existing is None:
            if values.get("contact"):
                data["contact"] = values["contact"]
            return services.requirement_create(
                actor=actor,
                data=data,
                departments=departments,
                number=values.get("number") or None,
            )
        unchanged = all(getattr(existing, key) == value for key, value in data.items()) and set(
            departments
        ) == set(existing.departments.all())
        if unchanged:
            return existing
        return services.requirement_update(
            requirement=existing,
            actor=actor,
            data=data,
            departments=departments,
            reason=_("Excel 导入"),
        )


class RequirementFormSheet(RequirementSheet):
    """Template 1 of one requirement, inside that requirement: the seed's form. Importing
    it updates this requirement's register fields (its 需求编号 must be this one's)."""

    key = "requirement"
    scoped = True
    match_column = ""  # the file is this requirement's form
    layout = "form"

    def scope_queryset(self, context):
        return super().scope_queryset(context).filter(pk=context["requirement"].pk)

    def identity(self, requirement):
        return {"number": requirement.number}

    def existing(self, values, context):
        return context["requirement"]
