from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "collab.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from . import alerts, checks, events, kinds  # noqa: F401 (checks: system checks)

        # The daily digest is the platform's own scan; every app registers its scans,
        # digest sections and alert hooks from its own ready() with register_alerts(),
        # and its event kinds, roles and to-do sources with register_events().
        alerts.register_alerts(alerts)
        events.register_events(kinds, app=self.label)
