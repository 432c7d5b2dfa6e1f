from django.db.models import QuerySet

from .models import Notification


def notifications_visible_to(user) -> QuerySet[Notification]:
    """A person's own inbox; nobody sees another person's notifications."""
    if not (user and user.is_authenticated and user.is_active):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).count()


def robot_digest_visible_to(user, pk: int):
    """The digest message (its lead delivery row) `pk` if the person may open it, else
    None: staff; for a department robot, the department's members and head; for a
    robot of a requirement, whoever may view that requirement. The digest went to that
    group chat, so its members may read the full list."""
    from django.conf import settings

    from .models import Delivery, DeliveryStatus

    if not (user and user.is_authenticated and user.is_active):
        return None
    lead = (
        Delivery.objects.filter(pk=pk, robot__isnull=False, merged__isnull=False)
        .exclude(status=DeliveryStatus.MERGED)
        .select_related("robot__department")
        .distinct()
        .first()
    )
    if lead is None:
        return None
    robot = lead.robot
    if user.is_staff:
        return lead
    if robot.department_id:
        if user.department_id == robot.department_id or robot.department.head_id == user.pk:
            return lead
        return None
    app_label, model = settings.COLLAB_SCOPE_MODEL.lower().split(".")
    scope = robot.scope
    if scope is not None and user.has_perm(f"{app_label}.view_{model}", scope):
        return lead
    return None
