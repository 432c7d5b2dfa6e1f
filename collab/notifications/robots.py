"""A department head sets up the department's group robots (钉钉/飞书/企业微信 or a
signed webhook) without the admin."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from collab.accounts.models import Department, User

from .models import RobotConfig

ROBOT_FIELDS = ("name", "kind", "webhook_url", "secret", "language", "is_active")


def departments_managed_by(user: User):
    """Departments whose robots the user may configure: the ones they head (staff: all)."""
    if user.is_staff:
        return Department.objects.all()
    return Department.objects.filter(head=user)


def _check(actor: User, department: Department) -> None:
    if not departments_managed_by(actor).filter(pk=department.pk).exists():
        raise PermissionDenied(_("只有部门负责人可以设置本部门的群机器人"))


@transaction.atomic
def department_robot_save(
    *, department: Department, actor: User, data: dict, robot: RobotConfig | None = None
) -> RobotConfig:
    _check(actor, department)
    if robot is None:
        robot = RobotConfig(department=department)
    elif robot.department_id != department.pk:
        raise PermissionDenied(_("该机器人不属于本部门"))
    for key in ROBOT_FIELDS:
        if key in data:
            setattr(robot, key, data[key])
    robot.full_clean()
    # Saving the settings is the fix for a broken robot: the next send tries again.
    robot.broken_at, robot.broken_reason = None, ""
    robot._history_user = actor
    robot.save()
    return robot


@transaction.atomic
def department_robot_delete(*, robot: RobotConfig, actor: User) -> None:
    if robot.department is None:
        raise PermissionDenied(_("该机器人不属于部门"))
    _check(actor, robot.department)
    robot._history_user = actor
    robot.delete()
