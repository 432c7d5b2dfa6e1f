from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignoffsConfig(AppConfig):
    name = "collab.signoffs"
    label = "signoffs"
    verbose_name = _("签字确认")
