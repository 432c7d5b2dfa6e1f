"""Template 1 跨部门协作需求登记表 as a spreadsheet: columns in the seed's order, rows
written through requests_app.services (imported historical numbers are kept)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.accounts.models import User
from collab.core.api import list_filtered
from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import choice_label

from . import services
from .models import Priority, Requirement, RequirementStatus
from .selectors import requirement_list
from .services import EDITABLE_FIELDS

UPDATABLE = EDITABLE_FIELDS


def _department_order(department):
    """Internal departments first, then outside partners (as the seed lists them)."""
    return (department.kind != "internal", department.code)


class RequirementSheet(r.Sheet):
    key = "requirements"
    title = gettext_lazy("跨部门协作需求登记表")
    scoped = False
    match_column = "number"
    export_order = 10
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

    def _data(self, values, context, existing=None) -> dict:
        data = {key: values[key] for key in UPDATABLE if key in values}
        if not data.get("coordinator"):
            data["coordinator"] = (
                existing.coordinator if existing else context["default_coordinator"]
            )
        if data["coordinator"] is None:
            raise ValidationError({"coordinator": _("系统中没有协作协调人，请先设置")})
        for key in ("contact_info", "expected_outcomes", "resources", "remarks"):
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
