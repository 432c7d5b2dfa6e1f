from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    label = "meetings"

    def ready(self):
        from collab.notifications.alerts import register_alerts

        from . import alerts

        register_alerts(alerts)
