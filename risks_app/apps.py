from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksAppConfig(AppConfig):
    name = "risks_app"
    verbose_name = _("风险与问题")

    def ready(self):
        from meetings.hooks import register_action_item_converter, register_agenda_provider
        from meetings.models import MeetingKind

        from . import hooks

        hooks.connect()
        _register_watch()
        register_action_item_converter("task", _("任务"), hooks.action_item_to_task)
        register_agenda_provider(MeetingKind.WEEKLY, "tracker", hooks.weekly_agenda)
        _register_with_platform()


def _register_watch():
    from requests_app.stage import register_watch

    from .stage import ISSUES_WATCH

    register_watch(ISSUES_WATCH)


def _register_with_platform():
    from collab.notifications.alerts import register_alerts
    from collab.notifications.events import register_events
    from collab.spreadsheets.registry import register_sheet

    from . import alerts, events, excel

    register_alerts(alerts)
    register_events(events)
    register_sheet(excel.RiskSheet())
