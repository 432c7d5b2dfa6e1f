from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    label = "meetings"

    def ready(self):
        from collab.notifications.alerts import register_alerts
        from collab.notifications.events import register_events
        from requests_app.tabs import Tab, register_tab

        from . import alerts, events

        register_alerts(alerts)
        register_events(events)
        register_tab(Tab("meetings", "会议", "meetings:requirement", 31))
