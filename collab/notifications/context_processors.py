def inbox(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"unread_notifications": lambda: user.notifications.filter(read_at__isnull=True).count()}
