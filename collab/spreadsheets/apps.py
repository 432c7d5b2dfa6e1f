from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "collab.spreadsheets"
    label = "spreadsheets"
    verbose_name = _("Excel 导入导出")

    def ready(self):
        # Load the shared REST module before any register's api.py: a process that
        # imports a viewset module first (a Celery worker exporting with list filters)
        # otherwise hits an import cycle between DRF's generics and its settings.
        import collab.core.api  # noqa: F401

        # Register apps pass their sheets to registry.register_sheet() from their own
        # AppConfig.ready(); the engine never looks them up.
