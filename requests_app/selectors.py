from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User
from collab.signoffs.models import SignOff
from collab.signoffs.services import Slot, head_slots

from .lifecycle import LIFECYCLE
from .models import GroupMember, GroupRole, Requirement


def requirements_visible_to(user: User) -> QuerySet[Requirement]:
    """Requirements the user may see; mirror of rules.can_view. Others answer 404."""
    qs = Requirement.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_staff:
        return qs
    member = Exists(GroupMember.objects.filter(requirement=OuterRef("pk"), user=user))
    visible = Q(coordinator=user) | Q(member)
    if not user.is_partner:
        if user.is_coordinator:
            return qs
        headed = Department.objects.filter(head=user)
        involved = Exists(
            Requirement.departments.through.objects.filter(
                requirement=OuterRef("pk"), department__in=headed
            )
        )
        visible |= Q(contact=user) | Q(initiating_department__in=headed) | Q(involved)
    return qs.filter(visible)


def colleagues_of(user: User) -> Q:
    """The people of the requirements user can see (group members, contacts and
    coordinators), as a condition on users."""
    visible = requirements_visible_to(user)
    return (
        Q(pk__in=GroupMember.objects.filter(requirement__in=visible).values("user_id"))
        | Q(pk__in=visible.values("contact_id"))
        | Q(pk__in=visible.values("coordinator_id"))
    )


def requirement_list(user: User) -> QuerySet[Requirement]:
    """Rows with everything a list row, its permissions and its transition conditions
    read (departments with heads, group members, sign-offs): constant queries per page.
    Conditions over tasks, plans and acceptances are read for the rows of the page only
    by `with_condition_values(page)`, never by prefetching every task of the rows."""
    return with_lifecycle_data(requirements_visible_to(user), conditions=False)


def with_condition_values(requirements: list[Requirement]) -> list[Requirement]:
    """Set on each requirement what the lifecycle's conditions read as aggregates
    (`Exists` over its tasks, plans, acceptances), in one query over these rows' ids:
    evaluated per row, so it costs the page, not the tables."""
    annotations = LIFECYCLE.list_annotations()
    if not requirements or not annotations:
        return requirements
    rows = (
        Requirement.objects.filter(pk__in=[r.pk for r in requirements])
        .order_by()
        .annotate(**annotations)
        .values("pk", *annotations)
    )
    by_pk = {row.pop("pk"): row for row in rows}
    for requirement in requirements:
        for name, value in by_pk.get(requirement.pk, {}).items():
            setattr(requirement, name, value)
    return requirements


def requirement_rows(user: User) -> QuerySet[Requirement]:
    """What the register page's rows show (no transitions): people and departments."""
    return (
        requirements_visible_to(user)
        .select_related("initiating_department", "contact__department")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("code")))
    )


def with_lifecycle_data(
    qs: QuerySet[Requirement], *, conditions: bool = True
) -> QuerySet[Requirement]:
    """What permissions, transition conditions and the stage read, loaded up front: the
    group, departments and sign-offs as rows; tasks, plans and acceptances as aggregate
    subqueries (a requirement with 5,000 tasks loads none of them). Services load the
    requirement themselves and so give the full reasons (which tasks are still open)."""
    qs = qs.select_related(
        "initiating_department__head", "contact__department", "coordinator__department"
    ).prefetch_related(
        Prefetch(
            "departments", queryset=Department.objects.select_related("head").order_by("code")
        ),
        Prefetch("members", queryset=GroupMember.objects.select_related("user", "department")),
        Prefetch("signoffs", queryset=SignOff.objects.select_related("department", "signer")),
        # What the lifecycle's conditions read (lifecycle.py and the apps adding to it).
        *LIFECYCLE.prefetches(listing=True),
    )
    return qs.annotate(**LIFECYCLE.list_annotations()) if conditions else qs


def requirement_detail(user: User) -> QuerySet[Requirement]:
    return with_lifecycle_data(requirements_visible_to(user))


def with_lifecycle_data_loaded(requirement: Requirement) -> Requirement:
    """`requirement` itself when a detail query loaded it, else loaded that way (a page
    that only needed its header), so the stage and the buttons read no row twice."""
    cache = getattr(requirement, "_prefetched_objects_cache", {})
    if all(name in cache for name in ("members", "departments", "signoffs")):
        missing = [n for n in LIFECYCLE.list_annotations() if not hasattr(requirement, n)]
        return with_condition_values([requirement])[0] if missing else requirement
    return with_lifecycle_data(Requirement.objects.filter(pk=requirement.pk)).get()


def review_slots(requirement: Requirement) -> list[Slot]:
    """Who signs the requirement review: the coordinator, the head of the initiating
    department and the head of every involved internal department."""
    coordinator = requirement.coordinator
    slots = [Slot(department=None, signers=[coordinator], label=_("协作协调人"))]
    departments = [requirement.initiating_department] + [
        d for d in requirement.departments.all() if d.kind == Department.Kind.INTERNAL
    ]
    return slots + head_slots(departments)


def group_leader(requirement: Requirement) -> GroupMember | None:
    return next((m for m in group_members(requirement) if m.role == GroupRole.LEADER), None)


def group_members(requirement: Requirement) -> list[GroupMember]:
    cache = getattr(requirement, "_prefetched_objects_cache", {})
    if "members" in cache:
        return list(cache["members"])
    return list(requirement.members.select_related("user", "department"))


def missing_liaisons(requirement: Requirement) -> list[Department]:
    liaison_departments = {
        m.department_id for m in group_members(requirement) if m.role == GroupRole.LIAISON
    }
    return [d for d in requirement.departments.all() if d.pk not in liaison_departments]
