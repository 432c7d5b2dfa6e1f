from functools import cache


def inbox(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    # Counted once per page, and only when the page shows it (menu and bottom bar share it).
    return {
        "unread_notifications": cache(
            lambda: user.notifications.filter(read_at__isnull=True).count()
        )
    }
