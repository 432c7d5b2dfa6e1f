from django.db.models import QuerySet

from .models import Notification


def notifications_visible_to(user) -> QuerySet[Notification]:
    """A person's own inbox; nobody sees another person's notifications."""
    if not (user and user.is_authenticated and user.is_active):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).count()
