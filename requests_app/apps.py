from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("需求登记")

    def ready(self):
        # The lifecycle's own conditions join models.*_CHECKS when services load.
        from . import services  # noqa: F401

        _register_with_platform()
        _connect_accounts()


def _connect_accounts():
    """Partner contacts see the people of the requirements they can see."""
    from collab.accounts.selectors import add_colleague_source

    from . import selectors

    add_colleague_source(selectors.colleagues_of)


def _register_with_platform():
    """Alerts and the Excel sheet; the requirement sheet is the scope of the others."""
    from collab.notifications.alerts import register_alerts
    from collab.spreadsheets.registry import register_sheet

    from . import alerts, excel

    register_alerts(alerts)
    register_sheet(excel.RequirementSheet(), scope=True)
