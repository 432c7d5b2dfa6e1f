"""Template 4 成果验收与复盘表 as a spreadsheet: one row per requirement. Lists
(metrics, deliverables, highlights, problems, improvements) are one item per line.

Import writes through the acceptance and retrospective services: a draft acceptance is
created or updated; the retrospective part is written once the acceptance has passed
(the retrospective exists from then on). Signatures are never imported: heads sign in
Collab."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.core.api import list_filtered
from collab.signoffs.services import signoff_state
from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import CellError, Directory, choice_label, owner_label, parse_date

from .acceptance import services as acceptance_services
from .models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceStatus,
    FindingKind,
    ImprovementAction,
    QualityRating,
    RetrospectiveStatus,
)
from .retrospective import services as retrospective_services

METRIC_LINE = re.compile(
    r"^(?P<name>[^：:]+)[：:]\s*目标\s*(?P<target>[\d.]+)\s*(?P<unit>[^，,\s（(]*)\s*[，,]\s*"
    r"实际\s*(?P<actual>[\d.]+)"
)
SEPARATOR = " | "


def _lines(value) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def metric_line(metric) -> str:
    """销售额：目标 500万元，实际 520万元（104%，超额4%）"""
    return (
        f"{metric.name}：目标 {metric.target_display}，实际 {metric.actual_display}"
        f"（{metric.rate_display}，{metric.phrase}）"
    )


def improvement_line(item: ImprovementAction) -> str:
    owner = owner_label(item.owner_department, item.owner)
    return SEPARATOR.join([item.action, owner, item.due_date.isoformat()])


class ReviewSheet(r.Sheet):
    key = "review"
    title = gettext_lazy("成果验收与复盘表")
    scoped = True
    match_column = ""
    export_order = 40
    partial_updates = False
    columns = (
        r.Column("project", gettext_lazy("项目名称"), width=24),
        r.Column("accepted_on", gettext_lazy("验收日期"), kind=r.DATE, required=True, width=12),
        r.Column("initiating_department", gettext_lazy("发起部门"), width=10),
        r.Column(
            "departments",
            gettext_lazy("验收小组"),
            kind=r.DEPARTMENTS,
            required=True,
            width=22,
        ),
        r.Column("metrics", gettext_lazy("目标达成情况"), width=40, wrap=True),
        r.Column("deliverables", gettext_lazy("交付成果清单"), width=30, wrap=True),
        r.Column(
            "quality_rating",
            gettext_lazy("成果质量评价"),
            kind=r.CHOICE,
            choices=QualityRating.choices,
            width=12,
        ),
        r.Column("highlights", gettext_lazy("协作亮点"), width=36, wrap=True),
        r.Column("problems", gettext_lazy("存在问题"), width=36, wrap=True),
        r.Column("improvements", gettext_lazy("改进措施"), width=44, wrap=True),
        r.Column("reviewer", gettext_lazy("复盘人"), kind=r.PERSON, width=12),
        r.Column("signoffs", gettext_lazy("复核确认"), width=30, wrap=True),
        r.Column("quality_comment", gettext_lazy("评价说明"), width=24, wrap=True, in_header=False),
        r.Column("held_on", gettext_lazy("复盘会日期"), kind=r.DATE, width=12, in_header=False),
    )

    # Export
    def export_queryset(self, user, params, requirement=None):
        from .acceptance.api import AcceptanceViewSet
        from .acceptance.selectors import acceptances_visible_to

        # The API's scope (only what the user may see) with the acceptance list's
        # filters, also within a requirement.
        queryset = list_filtered(AcceptanceViewSet, acceptances_visible_to(user), params or {})
        if requirement is not None:
            queryset = queryset.filter(requirement=requirement)
        return self._base(queryset)

    def scope_queryset(self, context):
        return self._base(Acceptance.objects.filter(requirement=context["requirement"]))

    def identity(self, requirement):
        return {"project": requirement.topic}

    def same_identity(self, key, found, expected):
        # The seed names the project a little longer (…推广活动 for …推广).
        return found == expected or expected in found or found in expected

    def _base(self, queryset):
        return (
            queryset.exclude(status=AcceptanceStatus.FAILED)
            .select_related(
                "requirement__initiating_department",
                "retrospective__reviewer",
            )
            .prefetch_related(
                "departments",
                "deliverables",
                "retrospective__metrics",
                "retrospective__findings",
                Prefetch(
                    "retrospective__improvements",
                    queryset=ImprovementAction.objects.select_related("owner", "owner_department"),
                ),
            )
            .order_by("requirement_id")
        )

    def _signoffs(self, acceptance) -> str:
        lines = []
        for slot in signoff_state(acceptance, ACCEPTANCE_STAGE):
            decision = slot.latest.get_decision_display() if slot.latest else _("未签")
            lines.append(f"{slot.label}：{decision}")
        return "\n".join(lines)

    def export_rows(self, queryset):
        for acceptance in queryset:
            yield self.row_of(acceptance)

    def row_of(self, acceptance):
        rating = self.column("quality_rating")
        if True:
            requirement = acceptance.requirement
            retrospective = getattr(acceptance, "retrospective", None)
            metrics = highlights = problems = improvements = []
            if retrospective is not None:
                metrics = [metric_line(m) for m in retrospective.metrics.all()]
                findings = list(retrospective.findings.all())
                highlights = [f.text for f in findings if f.kind == FindingKind.HIGHLIGHT]
                problems = [f.text for f in findings if f.kind == FindingKind.PROBLEM]
                improvements = [improvement_line(i) for i in retrospective.improvements.all()]
            return (
                requirement.topic,
                acceptance.accepted_on,
                requirement.initiating_department.name,
                "、".join(d.name for d in acceptance.departments.all()),
                "\n".join(metrics),
                "\n".join(d.name for d in acceptance.deliverables.all()),
                choice_label(rating, acceptance.quality_rating),
                "\n".join(highlights),
                "\n".join(problems),
                "\n".join(improvements),
                retrospective.reviewer.label if retrospective and retrospective.reviewer else "",
                self._signoffs(acceptance),
                acceptance.quality_comment,
                retrospective.held_on if retrospective else None,
            )

    # Import
    def import_context(self, *, actor, requirement=None) -> dict:
        return {"rows_seen": 0}

    def existing(self, values, context):
        return (
            Acceptance.objects.filter(requirement=context["requirement"])
            .exclude(status=AcceptanceStatus.FAILED)
            .first()
        )

    def check(self, parsed, context):
        context["rows_seen"] += 1
        if context["rows_seen"] > 1:
            parsed.errors.append(r.RowError("", _("成果验收与复盘表每个需求只能有一行")))
            return
        values = parsed.values
        metrics = []
        for line in _lines(values.get("metrics")):
            match = METRIC_LINE.match(line)
            if not match:
                parsed.errors.append(
                    r.RowError(
                        self.column("metrics").header,
                        _("“%(line)s”应写成 指标：目标 500 万元，实际 520 万元") % {"line": line},
                    )
                )
                continue
            try:
                metrics.append(
                    {
                        "name": match["name"].strip(),
                        "unit": match["unit"].strip(),
                        "target": Decimal(match["target"]),
                        "actual": Decimal(match["actual"]),
                    }
                )
            except InvalidOperation:
                parsed.errors.append(
                    r.RowError(
                        self.column("metrics").header, _("“%(line)s”中的数值无效") % {"line": line}
                    )
                )
        values["_metrics"] = metrics
        improvements = []
        directory: Directory = context["directory"]
        header = self.column("improvements").header
        for line in _lines(values.get("improvements")):
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 3:
                parsed.errors.append(
                    r.RowError(
                        header,
                        _("“%(line)s”应写成 改进措施 | 负责部门/人 | 完成期限") % {"line": line},
                    )
                )
                continue
            try:
                owner = directory.owner(parts[-2])
                due = parse_date(parts[-1])
            except CellError as error:
                parsed.errors.append(r.RowError(header, str(error)))
                continue
            improvements.append(
                {
                    "action": "|".join(parts[:-2]).strip(),
                    "owner_department": owner.department,
                    "owner": owner.user or owner.department.head,
                    "due_date": due,
                }
            )
        values["_improvements"] = improvements

    def apply(self, values, existing, context):
        actor, requirement = context["actor"], context["requirement"]
        warnings: list[r.RowError] = []
        deliverables = [{"name": name} for name in _lines(values.get("deliverables"))]
        acceptance_data = {
            "accepted_on": values["accepted_on"],
            "departments": values["departments"],
            "quality_rating": values.get("quality_rating") or "",
            "quality_comment": values.get("quality_comment") or "",
        }
        if existing is None:
            acceptance = acceptance_services.acceptance_create(
                requirement=requirement, actor=actor, deliverables=deliverables, **acceptance_data
            )
        else:
            acceptance = existing
            same = (
                existing.accepted_on == acceptance_data["accepted_on"]
                and set(existing.departments.all()) == set(acceptance_data["departments"])
                and existing.quality_rating == acceptance_data["quality_rating"]
                and existing.quality_comment == acceptance_data["quality_comment"]
                and [d.name for d in existing.deliverables.all()]
                == [d["name"] for d in deliverables]
            )
            if not same and existing.status == AcceptanceStatus.DRAFT:
                acceptance = acceptance_services.acceptance_update(
                    acceptance=existing, actor=actor, data=acceptance_data
                )
                acceptance_services.acceptance_set_deliverables(
                    acceptance=acceptance, actor=actor, items=deliverables
                )
            elif not same:
                warnings.append(
                    r.RowError(
                        "",
                        _("验收已处于“%(status)s”，验收内容未修改")
                        % {"status": existing.get_status_display()},
                    )
                )
        warnings.extend(self._retrospective(acceptance, values, actor))
        return warnings

    def _retrospective(self, acceptance, values, actor) -> list[r.RowError]:
        retro_columns = ("metrics", "highlights", "problems", "improvements", "reviewer", "held_on")
        filled = [key for key in retro_columns if values.get(key)]
        retrospective = getattr(acceptance, "retrospective", None)
        if retrospective is None:
            acceptance.refresh_from_db()
            retrospective = getattr(acceptance, "retrospective", None)
        if retrospective is None:
            if not filled:
                return []
            names = "、".join(str(self.column(k).header) for k in filled)
            return [
                r.RowError(
                    "", _("验收通过后才会生成复盘，以下内容暂未导入：%(names)s") % {"names": names}
                )
            ]
        if not self._retrospective_changed(retrospective, values):
            return []
        if retrospective.status != RetrospectiveStatus.DRAFT:
            return [r.RowError("", _("复盘报告已确认，复盘内容未修改"))]
        data = {}
        if values.get("reviewer"):
            data["reviewer"] = values["reviewer"]
        if "held_on" in values and values.get("held_on"):
            data["held_on"] = values["held_on"]
        if data:
            retrospective_services.retrospective_update(
                retrospective=retrospective, actor=actor, data=data
            )
        retrospective_services.retrospective_set_metrics(
            retrospective=retrospective, actor=actor, items=values["_metrics"]
        )
        retrospective_services.retrospective_set_findings(
            retrospective=retrospective,
            actor=actor,
            kind=FindingKind.HIGHLIGHT,
            texts=_lines(values.get("highlights")),
        )
        retrospective_services.retrospective_set_findings(
            retrospective=retrospective,
            actor=actor,
            kind=FindingKind.PROBLEM,
            texts=_lines(values.get("problems")),
        )
        current = list(retrospective.improvements.all())
        wanted = values["_improvements"]
        for item, data in zip(current, wanted, strict=False):
            retrospective_services.improvement_update(improvement=item, actor=actor, data=data)
        for item in current[len(wanted) :]:
            retrospective_services.improvement_delete(improvement=item, actor=actor)
        for data in wanted[len(current) :]:
            retrospective_services.improvement_add(
                retrospective=retrospective, actor=actor, data=data
            )
        return []

    def _retrospective_changed(self, retrospective, values) -> bool:
        metrics = [
            {"name": m.name, "unit": m.unit, "target": m.target, "actual": m.actual}
            for m in retrospective.metrics.all()
        ]
        findings = list(retrospective.findings.all())
        improvements = [
            {
                "action": i.action,
                "owner_department": i.owner_department,
                "owner": i.owner,
                "due_date": i.due_date,
            }
            for i in retrospective.improvements.all()
        ]
        return (
            metrics != values["_metrics"]
            or [f.text for f in findings if f.kind == FindingKind.HIGHLIGHT]
            != _lines(values.get("highlights"))
            or [f.text for f in findings if f.kind == FindingKind.PROBLEM]
            != _lines(values.get("problems"))
            or improvements != values["_improvements"]
            or (values.get("reviewer") and values["reviewer"] != retrospective.reviewer)
            or (values.get("held_on") and values["held_on"] != retrospective.held_on)
        )
