from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from .models import Notification

# The requirements (settings.COLLAB_SCOPE_MODEL) a user may see; the register that owns
# the scope model registers it from its AppConfig.ready().
_scope_visible: Callable | None = None


def register_scope_visibility(visible_to: Callable) -> None:
    global _scope_visible
    if _scope_visible is not None:
        raise ImproperlyConfigured("the scope's visibility is registered twice")
    _scope_visible = visible_to


def scope_visible_to(user) -> QuerySet:
    """The requirements (settings.COLLAB_SCOPE_MODEL) `user` may see."""
    if _scope_visible is None:
        raise ImproperlyConfigured("no register declared the scope's visibility")
    return _scope_visible(user)


def notifications_visible_to(user) -> QuerySet[Notification]:
    """A person's own inbox; nobody sees another person's notifications."""
    if not (user and user.is_authenticated and user.is_active):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def with_done(notifications: list, user) -> list:
    """Mark each notice that asks for an action `is_done` once that to-do is no longer
    open; the to-dos are read only when the notices ask for some."""
    from .todos import mark_done

    if any(n.action for n in notifications):
        mark_done(notifications, user)
    else:
        for notification in notifications:
            notification.is_done = False
    return notifications


def unread_count(user) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).count()


def robot_digests_visible_to(user):
    """Digest messages (their lead delivery rows) a person may open: those of robots of
    their own department or one they head, of requirements they can see; staff: all.
    The digest went to that group chat, so its members may read the full list."""
    from django.db.models import Q

    from .models import Delivery, DeliveryStatus

    leads = Delivery.objects.filter(robot__isnull=False, merged__isnull=False).exclude(
        status=DeliveryStatus.MERGED
    )
    if not (user and user.is_authenticated and user.is_active):
        return leads.none()
    if user.is_staff:
        return leads.distinct()
    visible = Q(robot__department__head=user)
    if user.department_id:
        visible |= Q(robot__department_id=user.department_id)
    if _scope_visible is not None:
        app_label, model = settings.COLLAB_SCOPE_MODEL.lower().split(".")
        visible |= Q(
            robot__scope_type__app_label=app_label,
            robot__scope_type__model=model,
            robot__scope_id__in=_scope_visible(user).values("pk"),
        )
    return leads.filter(visible).distinct()
