from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksAppConfig(AppConfig):
    name = "tasks_app"
    verbose_name = _("任务分工")

    def ready(self):
        from requests_app.lifecycle import LIFECYCLE as REQUIREMENT_LIFECYCLE
        from requests_app.lifecycle import Step
        from requests_app.tabs import Tab, register_tab

        from .lifecycle import REQUIREMENT_START_CONDITIONS

        for condition in REQUIREMENT_START_CONDITIONS:
            REQUIREMENT_LIFECYCLE.add_condition("start", condition, app=self.label)
        _add_start_baseline(REQUIREMENT_LIFECYCLE, self.label)
        register_tab(Tab("tasks", "任务分工", "tasks:register", 10, Step.DIVISION))
        register_tab(Tab("kanban", "看板", "tasks:kanban", 11, Step.DIVISION))
        register_tab(Tab("gantt", "甘特图", "tasks:gantt", 12, Step.DIVISION))
        register_tab(Tab("plans", "方案", "tasks:plans", 13, Step.PLANS))
        register_tab(Tab("weekly", "协作例会", "tasks:weekly", 14, Step.EXECUTION))
        _register_with_platform()


def _add_start_baseline(lifecycle, app: str) -> None:
    """Starting a requirement saves the plan as agreed (基线), in the same transaction."""
    from collab.core.lifecycle import Followup

    from .baselines import baseline_on_start

    summary = _("保存各任务计划日期的开始执行基线")
    lifecycle.add_followup("start", Followup("baseline", summary, baseline_on_start), app=app)


def _register_with_platform():
    from collab.notifications.alerts import register_alerts
    from collab.notifications.events import register_events
    from collab.spreadsheets.registry import register_sheet

    from . import alerts, events, excel

    register_alerts(alerts)
    register_events(events)
    register_sheet(excel.TaskSheet())
