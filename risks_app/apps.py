from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksAppConfig(AppConfig):
    name = "risks_app"
    verbose_name = _("风险与问题")

    def ready(self):
        from . import hooks

        hooks.connect()
