from importlib import import_module

from django.apps import AppConfig

# Register apps describe their sheets in `<app>/excel.py`; the engine imports them here,
# by name, so it never depends on a register app at module level.
REGISTER_APPS = ("requests_app", "tasks_app", "risks_app", "reviews_app")


class SpreadsheetsConfig(AppConfig):
    name = "collab.spreadsheets"
    label = "spreadsheets"
    verbose_name = "Excel"

    def ready(self):
        from django.apps import apps

        # Load the shared REST module before any register's api.py: a process that
        # imports a viewset module first (a Celery worker exporting with list filters)
        # otherwise hits an import cycle between DRF's generics and its settings.
        import collab.core.api  # noqa: F401

        for app in REGISTER_APPS:
            if not apps.is_installed(app):
                continue
            try:
                import_module(f"{app}.excel")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.excel":
                    raise
