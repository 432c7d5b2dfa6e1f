from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "collab.accounts"
    label = "accounts"
    verbose_name = _("组织")

    def ready(self):
        from . import signals  # noqa: F401
