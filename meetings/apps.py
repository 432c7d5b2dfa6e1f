from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class MeetingsConfig(AppConfig):
    name = "meetings"
    label = "meetings"
    verbose_name = pgettext_lazy("app", "会议")

    def ready(self):
        from collab.notifications.alerts import register_alerts
        from collab.notifications.events import register_events
        from requests_app.tabs import Tab, register_tab

        from . import alerts, events

        register_alerts(alerts)
        register_events(events)
        register_tab(Tab("meetings", "会议", "meetings:requirement", 31))
