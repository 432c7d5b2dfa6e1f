from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "collab.ops"
    label = "ops"
    verbose_name = _("运维")

    def ready(self):
        from . import metrics

        metrics.connect_signals()
