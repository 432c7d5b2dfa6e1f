from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    label = "documents"
    verbose_name = _("文档")

    def ready(self):
        # The requirement pages carry a documents tab; requests_app never imports us.
        from requests_app.tabs import Tab, register_tab

        register_tab(Tab("documents", "文档", "documents:requirement", 60))
