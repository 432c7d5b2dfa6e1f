from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("日历订阅")

    def ready(self):
        from . import signals  # noqa: F401  (deactivation revokes the feed)
