"""Template 4 成果验收与复盘表 as a spreadsheet: the seed's form of one requirement's
acceptance and retrospective (a field and its value on each line), or one row per
requirement. Lists (metrics, deliverables, highlights, problems, improvements) are one
item per line, numbered as the seed numbers them; wording.py reads and writes them.

Import writes through the acceptance and retrospective services: a draft acceptance is
created or updated; the retrospective part is written once the acceptance has passed
(the retrospective exists from then on). Signatures are never imported: heads sign in
Collab."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.core.api import list_filtered
from collab.signoffs.services import signoff_state
from collab.spreadsheets import registry as r
from collab.spreadsheets.cells import choice_label, owner_label

from . import wording as w
from .acceptance import services as acceptance_services
from .excel_improvements import improvement_rows, write_improvements
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

QUALITY = ("quality_rating", "quality_comment")
# Shown in the export, not imported: the requirement's own fields and the signatures.
NOT_IMPORTED = ("project", "initiating_department", "signoffs")


def metric_line(metric) -> str:
    """销售额520万元(目标500万元,超额4%)"""
    return w.metric_text(metric.name, metric.unit, metric.target, metric.actual)


def improvement_line(item: ImprovementAction) -> str:
    owner = owner_label(item.owner_department, item.owner)
    return w.improvement_text(item.action, owner, item.due_date.isoformat())


# The seed's form of template 4: its fields and wording, in its order.
FORM = (
    r.FormField(
        gettext_lazy("项目名称"), ("project",), gettext_lazy("需求的协作主题，须与本需求一致")
    ),
    r.FormField(gettext_lazy("验收日期"), ("accepted_on",), gettext_lazy("如 2024-10-10")),
    r.FormField(gettext_lazy("发起部门"), ("initiating_department",)),
    r.FormField(
        gettext_lazy("验收小组"), ("departments",), gettext_lazy("参与验收的部门，用、分隔")
    ),
    r.FormField(
        gettext_lazy("目标达成情况"),
        ("metrics",),
        gettext_lazy(
            "每行一个指标：指标实际值单位(目标目标值单位,说明)，"
            "如 销售额520万元(目标500万元,超额4%)；达成率按实际值与目标值计算"
        ),
    ),
    r.FormField(
        gettext_lazy("交付成果清单"), ("deliverables",), gettext_lazy("每行一项，可编号：1. 2. 3.")
    ),
    r.FormField(
        gettext_lazy("成果质量评价"),
        QUALITY,
        gettext_lazy("优秀/良好/合格/不合格，说明写在括号内，如 优秀(方案执行到位,数据完整)"),
    ),
    r.FormField(
        gettext_lazy("协作亮点"), ("highlights",), gettext_lazy("每行一条，可编号：1. 2、 ①")
    ),
    r.FormField(
        gettext_lazy("存在问题"), ("problems",), gettext_lazy("每行一条，可编号：1. 2、 ①")
    ),
    r.FormField(
        gettext_lazy("改进措施"),
        ("improvements",),
        gettext_lazy(
            "每行一条，可写明负责人与期限：建立数据日报机制（负责：技术部*；期限：2024-10-31）；"
            "未写的按已有措施、文中提到的人员或部门、组长与复盘会后30天补全"
        ),
    ),
    r.FormField(gettext_lazy("复盘人"), ("reviewer",)),
    r.FormField(
        gettext_lazy("复核确认"),
        ("signoffs",),
        gettext_lazy("各部门负责人在系统中签字，导入不修改"),
    ),
    # Not in the seed's form; kept after its fields so the meeting date travels too.
    r.FormField(
        gettext_lazy("复盘会日期"), ("held_on",), gettext_lazy("复盘会召开日期（验收后一周内）")
    ),
)


class ReviewSheet(r.Sheet):
    key = "review"
    title = gettext_lazy("成果验收与复盘表")
    scoped = True
    match_column = ""
    export_order = 40
    partial_updates = False
    form = FORM
    layout = "form"
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
        r.Column(
            "metrics", gettext_lazy("目标达成情况"), width=40, wrap=True, compare=w.metrics_key
        ),
        r.Column(
            "deliverables", gettext_lazy("交付成果清单"), width=30, wrap=True, compare=w.items_key
        ),
        r.Column(
            "quality_rating",
            gettext_lazy("成果质量评价"),
            kind=r.CHOICE,
            choices=QualityRating.choices,
            width=12,
        ),
        r.Column("highlights", gettext_lazy("协作亮点"), width=36, wrap=True, compare=w.items_key),
        r.Column("problems", gettext_lazy("存在问题"), width=36, wrap=True, compare=w.items_key),
        r.Column(
            "improvements",
            gettext_lazy("改进措施"),
            width=44,
            wrap=True,
            compare=w.improvements_key,
        ),
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

    def ignores(self, key, row):
        return key in NOT_IMPORTED

    def equivalent(self, key, new, old):
        # Improvements listed without the owner or date Collab already has.
        return key == "improvements" and w.improvements_same(new, old)

    # Form layout and the seed's wording
    def form_value(self, field, row):
        if tuple(field.keys) == QUALITY:
            return w.quality_text(row.get("quality_rating") or "", row.get("quality_comment") or "")
        return super().form_value(field, row)

    def form_read(self, field, raw):
        if tuple(field.keys) != QUALITY:
            return super().form_read(field, raw)
        if raw is None:
            return {"quality_rating": None, "quality_comment": None}
        rating, comment = w.split_quality(str(raw))
        return {"quality_rating": rating, "quality_comment": comment or None}

    def read_row(self, values):
        """A rating written with its comment in brackets (优秀(方案执行到位,数据完整)) is
        split; metric lines whose note disagrees with the computed rate are noted."""
        rating = values.get("quality_rating")
        if isinstance(rating, str):
            label, comment = w.split_quality(rating)
            values["quality_rating"] = label
            if comment is not None and not values.get("quality_comment"):
                values["quality_comment"] = comment
        notes = []
        metrics = values.get("metrics")
        for line in str(metrics).splitlines() if metrics else []:
            try:
                problem = w.metric_note_problem(line.strip(), w.parse_metric(line.strip()))
            except w.WordingError:
                continue  # check() reports it
            if problem:
                notes.append(r.RowError(self.column("metrics").header, problem))
        return notes

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
            w.numbered(d.name for d in acceptance.deliverables.all()),
            choice_label(rating, acceptance.quality_rating),
            w.numbered(highlights),
            w.numbered(problems),
            w.numbered(improvements),
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
        for line in w.items(values.get("metrics")):
            try:
                metrics.append(w.parse_metric(line).as_dict())
            except w.WordingError as error:
                parsed.errors.append(r.RowError(self.column("metrics").header, str(error)))
        values["_metrics"] = metrics
        acceptance = self.existing(values, context)
        retrospective = getattr(acceptance, "retrospective", None) if acceptance else None
        values["_improvements"] = improvement_rows(
            parsed, context, retrospective, self.column("improvements").header
        )

    def apply(self, values, existing, context):
        actor, requirement = context["actor"], context["requirement"]
        warnings: list[r.RowError] = []
        deliverables = [{"name": name} for name in w.items(values.get("deliverables"))]
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
        current = self._retrospective_lists(retrospective)
        if current["metrics"] != values["_metrics"]:
            retrospective_services.retrospective_set_metrics(
                retrospective=retrospective, actor=actor, items=values["_metrics"]
            )
        for kind, key in ((FindingKind.HIGHLIGHT, "highlights"), (FindingKind.PROBLEM, "problems")):
            if current[key] != w.items(values.get(key)):
                retrospective_services.retrospective_set_findings(
                    retrospective=retrospective,
                    actor=actor,
                    kind=kind,
                    texts=w.items(values.get(key)),
                )
        write_improvements(retrospective, values["_improvements"], actor)
        return []

    def _retrospective_lists(self, retrospective) -> dict:
        findings = list(retrospective.findings.all())
        return {
            "metrics": [
                {"name": m.name, "unit": m.unit, "target": m.target, "actual": m.actual}
                for m in retrospective.metrics.all()
            ],
            "highlights": [f.text for f in findings if f.kind == FindingKind.HIGHLIGHT],
            "problems": [f.text for f in findings if f.kind == FindingKind.PROBLEM],
            "improvements": [
                {
                    "action": i.action,
                    "owner_department": i.owner_department,
                    "owner": i.owner,
                    "due_date": i.due_date,
                }
                for i in retrospective.improvements.all()
            ],
        }

    def _retrospective_changed(self, retrospective, values) -> bool:
        current = self._retrospective_lists(retrospective)
        return (
            current["metrics"] != values["_metrics"]
            or current["highlights"] != w.items(values.get("highlights"))
            or current["problems"] != w.items(values.get("problems"))
            or current["improvements"] != values["_improvements"]
            or (values.get("reviewer") and values["reviewer"] != retrospective.reviewer)
            or (values.get("held_on") and values["held_on"] != retrospective.held_on)
        )
