from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "collab.identity"
    label = "identity"
    verbose_name = _("企业身份")
