"""Reads of the acceptance shared by pages, API, admin, Excel and the requirement's
completion conditions."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.signoffs.services import Slot, head_slots
from requests_app.models import Requirement, RequirementStatus
from requests_app.selectors import requirements_visible_to

from ..models import Acceptance, AcceptanceCriterion, AcceptanceStatus, Deliverable


# Visibility
def acceptances_visible_to(user: User) -> QuerySet[Acceptance]:
    """Acceptances of requirements the user may see; others answer 404."""
    return Acceptance.objects.filter(requirement__in=requirements_visible_to(user).values("pk"))


def criteria_visible_to(user: User) -> QuerySet[AcceptanceCriterion]:
    return AcceptanceCriterion.objects.filter(
        requirement__in=requirements_visible_to(user).values("pk")
    )


# Acceptance
def acceptance_detail_qs() -> QuerySet[Acceptance]:
    return Acceptance.objects.select_related(
        "requirement__initiating_department__head",
        "requirement__coordinator",
        "requirement__contact",
        "created_by",
    ).prefetch_related(
        Prefetch("departments", queryset=Department.objects.select_related("head")),
        "results",
        Prefetch("deliverables", queryset=Deliverable.objects.select_related("task")),
        "requirement__members",
    )


def acceptance_slots(acceptance: Acceptance) -> list[Slot]:
    """Who signs the acceptance: the head of the initiating department and the head of
    every department of the acceptance group."""
    requirement = acceptance.requirement
    departments = [requirement.initiating_department, *acceptance.departments.all()]
    return head_slots(departments)


def current_acceptance(requirement: Requirement) -> Acceptance | None:
    """The acceptance in progress or passed; else the latest failed one."""
    acceptances = list(acceptance_detail_qs().filter(requirement=requirement))
    open_ = [a for a in acceptances if a.status != AcceptanceStatus.FAILED]
    if open_:
        return open_[0]
    return acceptances[0] if acceptances else None


def passed_acceptance(requirement: Requirement) -> Acceptance | None:
    return requirement.acceptances.filter(status=AcceptanceStatus.PASSED).first()


def criteria_lock_reason(requirement: Requirement) -> str | None:
    """Criteria are editable until acceptance starts (an acceptance record exists that
    has not failed) and while the requirement is open."""
    if requirement.status in (RequirementStatus.COMPLETED, RequirementStatus.REJECTED):
        return _("需求已结束，验收标准不能再修改")
    if requirement.acceptances.exclude(status=AcceptanceStatus.FAILED).exists():
        return _("验收已开始，验收标准不能再修改")
    return None
