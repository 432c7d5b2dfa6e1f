from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("需求登记")

    def ready(self):
        from .tabs import Tab, register_tab

        _register_with_platform()
        # The Excel page of a requirement (collab.spreadsheets) is one of its tabs.
        register_tab(Tab("excel", "导入导出", "spreadsheets:requirement", 90))
        _connect_accounts()


def _connect_accounts():
    """Partner contacts see the people of the requirements they can see."""
    from collab.accounts.selectors import add_colleague_source

    from . import selectors

    add_colleague_source(selectors.colleagues_of)


def _register_with_platform():
    """Alerts and the Excel sheets (the register, the scope of the others, and one
    requirement's form)."""
    from collab.notifications.alerts import register_alerts
    from collab.notifications.events import register_events
    from collab.notifications.selectors import register_scope_visibility
    from collab.spreadsheets.registry import register_sheet

    from . import alerts, events, excel, selectors

    register_alerts(alerts)
    register_events(events)
    register_sheet(excel.RequirementSheet(), scope=True)
    register_sheet(excel.RequirementFormSheet())
    register_scope_visibility(selectors.requirements_visible_to)
