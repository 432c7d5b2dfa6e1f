from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "collab.identity"
    label = "identity"
    verbose_name = _("企业身份")

    def ready(self):
        from collab.notifications.events import register_events

        from . import events, sync_admin  # noqa: F401 (sync_admin registers admin pages)

        register_events(events, app=self.label)
