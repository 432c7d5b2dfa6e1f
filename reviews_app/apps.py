from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsAppConfig(AppConfig):
    name = "reviews_app"
    verbose_name = _("验收与复盘")

    def ready(self):
        from requests_app.lifecycle import LIFECYCLE as REQUIREMENT_LIFECYCLE
        from requests_app.lifecycle import Step
        from requests_app.tabs import Tab, register_tab

        from .lifecycle import REQUIREMENT_COMPLETE_CONDITIONS, REQUIREMENT_COMPLETE_FOLLOWUPS

        # A requirement completes after a passed acceptance with every task closed;
        # completing it dissolves the group.
        for condition in REQUIREMENT_COMPLETE_CONDITIONS:
            REQUIREMENT_LIFECYCLE.add_condition("complete", condition, app=self.label)
        for followup in REQUIREMENT_COMPLETE_FOLLOWUPS:
            REQUIREMENT_LIFECYCLE.add_followup("complete", followup, app=self.label)
        register_tab(Tab("acceptance", "成果验收", "reviews:acceptance", 60, Step.DELIVERY))
        register_tab(Tab("retrospective", "复盘", "reviews:retrospective", 70, Step.DELIVERY))
        _register_watch()
        _register_with_platform()


def _register_watch():
    from requests_app.stage import register_watch

    from .stage import RETROSPECTIVE_WATCH

    register_watch(RETROSPECTIVE_WATCH)


def _register_with_platform():
    from collab.notifications.alerts import register_alerts
    from collab.notifications.events import register_events
    from collab.spreadsheets.registry import register_sheet

    from . import alerts, events, excel

    register_alerts(alerts)
    register_events(events)
    register_sheet(excel.ReviewSheet())
