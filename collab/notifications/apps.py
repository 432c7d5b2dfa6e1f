import logging
from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class NotificationsConfig(AppConfig):
    name = "collab.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self):
        from . import alerts, checks  # noqa: F401 (registers the digest scan and checks)

        # Every installed app may contribute scans, digest sections and alert hooks in
        # its own `alerts.py`.
        for config in apps.get_app_configs():
            if config.name == self.name:
                continue
            module_name = f"{config.name}.alerts"
            try:
                import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    logger.warning("Alerts of %s not loaded: %s", config.name, error)
            except ImportError as error:
                logger.warning("Alerts of %s not loaded: %s", config.name, error)
