from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "collab.integrations"
    label = "integrations"
    verbose_name = _("系统集成")

    def ready(self):
        from collab.notifications.events import register_events

        from . import events

        register_events(events, app=self.label)
