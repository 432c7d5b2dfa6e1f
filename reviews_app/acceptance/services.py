"""Use cases of the acceptance (成果验收): the criteria checklist, the acceptance with its
per-criterion results, deliverables and sign-offs, its outcome (passed: the
retrospective is due; failed: rework tasks), and the group's dissolution when the
requirement completes. Pages, API, admin, Excel import and the demo write through these."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.core.history import one_entry
from collab.core.transitions import run_transition
from collab.signoffs.services import signoff_sign
from requests_app.models import Requirement, RequirementStatus
from requests_app.selectors import group_leader

from .. import events
from .. import rules as perms
from ..models import (
    ACCEPTANCE_STAGE,
    Acceptance,
    AcceptanceCriterion,
    AcceptanceStatus,
    CriterionResult,
    Deliverable,
    GroupDissolution,
    QualityRating,
    Retrospective,
)
from ..shared import clean_text
from .selectors import criteria_lock_reason


# Acceptance criteria (成果验收标准)
def _check_criteria_editable(requirement: Requirement, actor: User) -> None:
    if not perms.can_run_acceptance(actor, requirement):
        raise PermissionDenied(_("只有发起部门、组长或协调人可以修改验收标准"))
    reason = criteria_lock_reason(requirement)
    if reason:
        raise ValidationError(reason)


@transaction.atomic
def criterion_add(*, requirement: Requirement, actor: User, text: str) -> AcceptanceCriterion:
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    _check_criteria_editable(requirement, actor)
    text = clean_text(text, "text", label=_("验收标准"), max_length=500)
    last = requirement.acceptance_criteria.aggregate(m=Max("position"))["m"] or 0
    criterion = AcceptanceCriterion(requirement=requirement, text=text, position=last + 1)
    criterion._history_user = actor
    criterion._change_reason = _("新增验收标准")
    criterion.save()
    return criterion


@transaction.atomic
def criterion_update(
    *, criterion: AcceptanceCriterion, actor: User, text: str
) -> AcceptanceCriterion:
    requirement = Requirement.objects.select_for_update().get(pk=criterion.requirement_id)
    _check_criteria_editable(requirement, actor)
    criterion.text = clean_text(text, "text", label=_("验收标准"), max_length=500)
    criterion._history_user = actor
    criterion._change_reason = _("修改验收标准")
    criterion.save(update_fields=["text"])
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: AcceptanceCriterion, actor: User) -> None:
    requirement = Requirement.objects.select_for_update().get(pk=criterion.requirement_id)
    _check_criteria_editable(requirement, actor)
    criterion._history_user = actor
    criterion._change_reason = _("删除验收标准")
    criterion.delete()


# Acceptance
def _validate_departments(requirement: Requirement, departments) -> list[Department]:
    departments = list(departments or [])
    if not departments:
        raise ValidationError({"departments": _("请选择验收小组的部门")})
    allowed = {requirement.initiating_department_id} | {d.pk for d in requirement.departments.all()}
    outside = [d.name for d in departments if d.pk not in allowed]
    if outside:
        raise ValidationError(
            {"departments": _("以下部门未参与本需求：%(names)s") % {"names": "、".join(outside)}}
        )
    return departments


def _validate_rating(rating: str) -> str:
    if rating and rating not in QualityRating.values:
        raise ValidationError({"quality_rating": _("质量评价只能是优秀、良好、合格或不合格")})
    return rating or ""


def _lock_acceptance(acceptance: Acceptance) -> Acceptance:
    return (
        Acceptance.objects.select_for_update().select_related("requirement").get(pk=acceptance.pk)
    )


def _require_draft(acceptance: Acceptance) -> None:
    if acceptance.status != AcceptanceStatus.DRAFT:
        raise ValidationError(_("验收记录只能在草稿状态下修改，请先退回修改"))


def _require_runner(acceptance: Acceptance, actor: User) -> None:
    if not perms.can_run_acceptance(actor, acceptance.requirement):
        raise PermissionDenied(_("只有发起部门、组长或协调人可以组织验收"))


@transaction.atomic
def acceptance_create(
    *,
    requirement: Requirement,
    actor: User,
    accepted_on: date,
    departments,
    quality_rating: str = "",
    quality_comment: str = "",
    deliverables: list[dict] | None = None,
) -> Acceptance:
    """Start an acceptance: the criteria are frozen into per-criterion results and the
    deliverables default to the tasks' deliverables."""
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    if not perms.can_run_acceptance(actor, requirement):
        raise PermissionDenied(_("只有发起部门、组长或协调人可以组织验收"))
    if requirement.status != RequirementStatus.IN_PROGRESS:
        raise ValidationError(_("只有执行中的需求可以进行成果验收"))
    if requirement.acceptances.exclude(status=AcceptanceStatus.FAILED).exists():
        raise ValidationError(_("该需求已有进行中或已通过的验收"))
    criteria = list(requirement.acceptance_criteria.all())
    if not criteria:
        raise ValidationError(_("请先填写成果验收标准"))
    if accepted_on is None:
        raise ValidationError({"accepted_on": _("请填写验收日期")})
    departments = _validate_departments(requirement, departments)
    attempt = (requirement.acceptances.aggregate(m=Max("attempt"))["m"] or 0) + 1
    acceptance = Acceptance(
        requirement=requirement,
        attempt=attempt,
        accepted_on=accepted_on,
        quality_rating=_validate_rating(quality_rating),
        quality_comment=quality_comment or "",
        created_by=actor,
    )
    with one_entry(acceptance, actor=actor, reason=_("发起成果验收")):
        acceptance.save()
        acceptance.departments.set(departments)
    CriterionResult.objects.bulk_create(
        CriterionResult(acceptance=acceptance, criterion=c, text=c.text, position=c.position)
        for c in criteria
    )
    if deliverables is None:
        deliverables = [
            {"name": task.deliverable, "task": task, "note": ""}
            for task in requirement.tasks.filter(status="done").exclude(deliverable="")
        ]
    _write_deliverables(acceptance, deliverables)
    return acceptance


@transaction.atomic
def acceptance_update(*, acceptance: Acceptance, actor: User, data: dict) -> Acceptance:
    acceptance = _lock_acceptance(acceptance)
    _require_runner(acceptance, actor)
    _require_draft(acceptance)
    fields = []
    if "accepted_on" in data:
        if data["accepted_on"] is None:
            raise ValidationError({"accepted_on": _("请填写验收日期")})
        acceptance.accepted_on = data["accepted_on"]
        fields.append("accepted_on")
    if "quality_rating" in data:
        acceptance.quality_rating = _validate_rating(data["quality_rating"])
        fields.append("quality_rating")
    if "quality_comment" in data:
        acceptance.quality_comment = data["quality_comment"] or ""
        fields.append("quality_comment")
    departments = None
    if "departments" in data:
        departments = _validate_departments(acceptance.requirement, data["departments"])
    relations_changed = departments is not None and set(departments) != set(
        acceptance.departments.all()
    )
    if not (fields or relations_changed):
        return acceptance
    with one_entry(acceptance, actor=actor, reason=_("修改验收记录")):
        if fields:
            acceptance.save(update_fields=fields)
        if relations_changed:
            acceptance.departments.set(departments)
    return acceptance


def _write_deliverables(acceptance: Acceptance, items: list[dict]) -> None:
    rows = []
    for position, item in enumerate(items, start=1):
        name = clean_text(item.get("name"), "deliverables", label=_("交付成果"), max_length=300)
        task = item.get("task")
        if task is not None and task.requirement_id != acceptance.requirement_id:
            raise ValidationError({"deliverables": _("对应任务必须属于本需求")})
        rows.append(
            Deliverable(
                acceptance=acceptance,
                name=name,
                task=task,
                note=(item.get("note") or "")[:500],
                position=position,
            )
        )
    Deliverable.objects.bulk_create(rows)


@transaction.atomic
def acceptance_set_deliverables(
    *, acceptance: Acceptance, actor: User, items: list[dict]
) -> Acceptance:
    """Replace the deliverables list (交付成果清单)."""
    acceptance = _lock_acceptance(acceptance)
    _require_runner(acceptance, actor)
    _require_draft(acceptance)
    acceptance.deliverables.all().delete()
    _write_deliverables(acceptance, items)
    return acceptance


@transaction.atomic
def deliverable_add(
    *, acceptance: Acceptance, actor: User, name: str, task=None, note: str = ""
) -> Deliverable:
    acceptance = _lock_acceptance(acceptance)
    _require_runner(acceptance, actor)
    _require_draft(acceptance)
    name = clean_text(name, "name", label=_("交付成果"), max_length=300)
    if task is not None and task.requirement_id != acceptance.requirement_id:
        raise ValidationError({"task": _("对应任务必须属于本需求")})
    last = acceptance.deliverables.aggregate(m=Max("position"))["m"] or 0
    deliverable = Deliverable(
        acceptance=acceptance, name=name, task=task, note=note or "", position=last + 1
    )
    deliverable._history_user = actor
    deliverable.save()
    return deliverable


@transaction.atomic
def deliverable_remove(*, deliverable: Deliverable, actor: User) -> None:
    acceptance = _lock_acceptance(deliverable.acceptance)
    _require_runner(acceptance, actor)
    _require_draft(acceptance)
    deliverable._history_user = actor
    deliverable.delete()


@transaction.atomic
def acceptance_judge(
    *, acceptance: Acceptance, actor: User, result: CriterionResult, passed, comment: str = ""
) -> CriterionResult:
    """Record pass or fail of one criterion; a fail needs a comment."""
    acceptance = _lock_acceptance(acceptance)
    _require_runner(acceptance, actor)
    _require_draft(acceptance)
    if result.acceptance_id != acceptance.pk:
        raise ValidationError({"result": _("该验收标准不属于本次验收")})
    if passed not in (True, False, None):
        raise ValidationError({"passed": _("请选择通过或不通过")})
    comment = (comment or "").strip()
    if passed is False and not comment:
        raise ValidationError({"comment": _("不通过时请填写说明")})
    result.passed = passed
    result.comment = comment
    result._history_user = actor
    result._change_reason = _("验收标准判定")
    result.save(update_fields=["passed", "comment"])
    return result


@transaction.atomic
def acceptance_submit(*, acceptance: Acceptance, actor: User, reason: str = "") -> Acceptance:
    """Send the acceptance to the heads for sign-off (验收签字)."""
    acceptance = _lock_acceptance(acceptance)
    run_transition(acceptance, "submit", actor=actor, reason=reason or _("提交验收签字"))
    acceptance.save(update_fields=["status"])
    events.notify_acceptance(events.ReviewEvent.SIGN_REQUESTED, acceptance, actor=actor)
    return acceptance


@transaction.atomic
def acceptance_revise(*, acceptance: Acceptance, actor: User, reason: str = "") -> Acceptance:
    """Back to draft for edits; the next submission starts a new signing round."""
    acceptance = _lock_acceptance(acceptance)
    run_transition(acceptance, "revise", actor=actor, reason=reason or _("退回修改"))
    acceptance.save(update_fields=["status", "round"])
    return acceptance


@transaction.atomic
def acceptance_sign(
    *,
    acceptance: Acceptance,
    actor: User,
    decision: str,
    comment: str = "",
    department: Department | None = None,
):
    """Sign the acceptance as the head of the initiating or an acceptance-group department."""
    acceptance = _lock_acceptance(acceptance)
    if department is None:
        own = [
            s.department for s in acceptance.signoff_slots(ACCEPTANCE_STAGE) if actor in s.signers
        ]
        department = own[0] if len(own) == 1 else None
        if department is None:
            raise ValidationError({"department": _("请选择代表签字的部门")})
    return signoff_sign(
        target=acceptance,
        stage=ACCEPTANCE_STAGE,
        actor=actor,
        decision=decision,
        comment=comment,
        department=department,
    )


@transaction.atomic
def acceptance_accept(*, acceptance: Acceptance, actor: User, reason: str = "") -> Acceptance:
    """Acceptance passed: the requirement may complete, the retrospective is due in a week."""
    acceptance = _lock_acceptance(acceptance)
    run_transition(acceptance, "accept", actor=actor, reason=reason or _("验收通过"))
    acceptance.decided_at = timezone.now()
    acceptance.save(update_fields=["status", "decided_at"])
    requirement = acceptance.requirement
    leader = group_leader(requirement)
    retrospective = Retrospective(
        requirement=requirement,
        acceptance=acceptance,
        due_on=Retrospective.due_after(acceptance.accepted_on),
        reviewer=leader.user if leader else None,
    )
    existing = Retrospective.objects.filter(requirement=requirement).first()
    if existing is not None:
        # An earlier passed acceptance cannot exist (one open acceptance at a time), but a
        # retrospective row may if data was imported: point it at this acceptance.
        existing.acceptance = acceptance
        existing.due_on = retrospective.due_on
        existing._history_user = actor
        existing.save(update_fields=["acceptance", "due_on"])
        retrospective = existing
    else:
        retrospective._history_user = actor
        retrospective._change_reason = _("验收通过，待复盘")
        retrospective.save()
    events.notify_acceptance(events.ReviewEvent.PASSED, acceptance, actor=actor)
    events.notify_retrospective(events.ReviewEvent.RETROSPECTIVE_DUE, retrospective, actor=actor)
    return acceptance


def _validate_rework(requirement: Requirement, rework: list[dict]) -> None:
    for index, item in enumerate(rework, start=1):
        missing = [k for k in ("name", "owner", "planned_start", "planned_end") if not item.get(k)]
        if missing:
            raise ValidationError({"rework": _("第%(n)s项返工任务信息不完整") % {"n": index}})


@transaction.atomic
def acceptance_fail(
    *, acceptance: Acceptance, actor: User, reason: str = "", rework: list[dict] | None = None
) -> Acceptance:
    """Acceptance failed: the requirement stays in progress and gets rework tasks
    (返工任务), created through the task register's own service."""
    from tasks_app import services as task_services

    if not (reason or "").strip():
        raise ValidationError({"reason": _("验收不通过时必须填写原因")})
    acceptance = _lock_acceptance(acceptance)
    run_transition(acceptance, "fail", actor=actor, reason=reason, reason_text=reason.strip())
    acceptance.decided_at = timezone.now()
    acceptance.save(update_fields=["status", "failure_reason", "decided_at"])
    requirement = acceptance.requirement
    rework = list(rework or [])
    _validate_rework(requirement, rework)
    tasks = [
        task_services.task_create(
            requirement=requirement,
            actor=actor,
            name=item["name"],
            owner=item["owner"],
            owner_department=item.get("owner_department") or item["owner"].department,
            planned_start=item["planned_start"],
            planned_end=item["planned_end"],
            deliverable=item.get("deliverable") or "",
            priority=item.get("priority") or "P0",
            reason=_("验收不通过，返工：%(reason)s") % {"reason": reason.strip()},
        )
        for item in rework
    ]
    events.notify_acceptance(
        events.ReviewEvent.FAILED, acceptance, actor=actor, params={"reason": reason.strip()}
    )
    acceptance.rework_tasks = tasks
    return acceptance


ACCEPTANCE_TRANSITIONS = {
    "submit": acceptance_submit,
    "revise": acceptance_revise,
    "accept": acceptance_accept,
    "fail": acceptance_fail,
}


# Group dissolution on completion
def dissolve_group(*, requirement: Requirement, actor: User | None) -> GroupDissolution | None:
    """Mark the group dissolved (members keep read access through their rows)."""
    dissolution, _created = GroupDissolution.objects.get_or_create(
        requirement=requirement, defaults={"dissolved_by": actor}
    )
    # The members are told by the requirement's completion event, which says so.
    return dissolution
