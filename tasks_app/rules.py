"""Who may do what with tasks and plans. Pages, API, admin and services ask here.

- the group leader and the requirement's coordinator manage every task;
- a department's liaison manages the tasks its department owns;
- the owner updates their own task (progress, start, block, finish, dates);
- collaborators comment.

Group roles are read from a prefetched `requirement.members` when present, so lists
ask no extra query per row.
"""

from __future__ import annotations

import rules
from django.utils.translation import gettext as _

from requests_app import rules as requirement_rules


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def memberships(user, requirement) -> list[tuple[str, int]]:
    """(role, department id) of every group membership of user in requirement."""
    cache = getattr(requirement, "_prefetched_objects_cache", {})
    if "members" in cache:
        return [(m.role, m.department_id) for m in cache["members"] if m.user_id == user.pk]
    return list(requirement.members.filter(user=user).values_list("role", "department_id"))


def manages_all(user, requirement) -> bool:
    if not _active(user):
        return False
    if requirement.coordinator_id == user.pk:
        return True
    return any(role == "leader" for role, _dept in memberships(user, requirement))


def liaison_departments(user, requirement) -> set[int]:
    if not _active(user):
        return set()
    return {dept for role, dept in memberships(user, requirement) if role == "liaison"}


def can_create_in(user, requirement, owner_department_id: int | None = None) -> bool:
    """May create tasks in requirement (for that owner department when given)."""
    if not _active(user) or requirement.status not in ("confirmed", "in_progress"):
        return False
    if manages_all(user, requirement):
        return True
    liaisons = liaison_departments(user, requirement)
    if owner_department_id is None:
        return bool(liaisons)
    return owner_department_id in liaisons


OPEN_STATUSES = ("confirmed", "in_progress")


def editing_refusal(user, requirement) -> str:
    """Why user may not add or edit tasks of requirement, in the words a page shows
    (its lifecycle state when the register is closed, the roles that may otherwise)."""
    if requirement.status not in OPEN_STATUSES:
        from requests_app.lifecycle import LIFECYCLE

        return _(
            "需求 %(number)s 当前状态为“%(status)s”，"
            "任务登记只在需求已确认或执行中时可以添加和修改。"
        ) % {"number": requirement.number, "status": LIFECYCLE.state_label(requirement.status)}
    return _("只有协作协调人、组长和负责部门的接口人可以添加或修改这项任务。")


def _requirement_open(task) -> bool:
    return task.requirement.status in ("confirmed", "in_progress")


@rules.predicate
def can_view_task(user, task) -> bool:
    if task is None or not _active(user):
        return False
    if task.owner_id == user.pk:
        return True
    return bool(requirement_rules.can_view(user, task.requirement))


@rules.predicate
def can_manage_task(user, task) -> bool:
    if task is None or not _active(user) or not _requirement_open(task):
        return False
    if manages_all(user, task.requirement):
        return True
    return task.owner_department_id in liaison_departments(user, task.requirement)


@rules.predicate
def can_update_task(user, task) -> bool:
    """Progress, start/block/unblock/finish and rescheduling."""
    if not _active(user) or not _requirement_open(task):
        return False
    return task.owner_id == user.pk or bool(can_manage_task(user, task))


@rules.predicate
def can_lead_task(user, task) -> bool:
    """Reopen a finished task, cancel a task: the leader (and the coordinator)."""
    return _requirement_open(task) and manages_all(user, task.requirement)


def is_collaborator(user, task) -> bool:
    cache = getattr(task, "_prefetched_objects_cache", {})
    if "collaborators" in cache:
        return any(u.pk == user.pk for u in cache["collaborators"])
    return task.collaborators.filter(pk=user.pk).exists()


@rules.predicate
def can_comment_task(user, task) -> bool:
    if not _active(user):
        return False
    return bool(can_update_task(user, task)) or is_collaborator(user, task)


# Plans
def plan_owner_id(plan):
    return plan.task.owner_id if plan.task_id else None


@rules.predicate
def can_edit_plan(user, plan) -> bool:
    """Write, submit and revise: the author, the task's owner, its managers."""
    if not _active(user) or plan.requirement.status not in ("confirmed", "in_progress"):
        return False
    if user.pk in (plan.author_id, plan_owner_id(plan)):
        return True
    if manages_all(user, plan.requirement):
        return True
    return bool(plan.task_id) and plan.task.owner_department_id in liaison_departments(
        user, plan.requirement
    )


@rules.predicate
def can_approve_plan(user, plan) -> bool:
    return manages_all(user, plan.requirement)


rules.add_perm("tasks_app.view_task", can_view_task)
rules.add_perm("tasks_app.change_task", can_manage_task)


def fsm_perm(predicate):
    def check(instance, user) -> bool:
        return bool(predicate(user, instance))

    check.__name__ = f"fsm_{predicate.name}"
    return check


fsm_can_update = fsm_perm(can_update_task)
fsm_can_reopen = fsm_perm(can_lead_task)
fsm_can_edit_plan = fsm_perm(can_edit_plan)
fsm_can_approve_plan = fsm_perm(can_approve_plan)
