from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsAppConfig(AppConfig):
    name = "reviews_app"
    verbose_name = _("验收与复盘")

    def ready(self):
        from django.db.models.signals import post_save

        from requests_app.models import Requirement
        from requests_app.tabs import Tab, register_tab

        from . import services

        # The requirement completes only after a passed acceptance with every task
        # done or cancelled; this replaces the placeholder condition of requests_app.
        services.install_complete_checks()
        post_save.connect(
            services.on_requirement_saved,
            sender=Requirement,
            dispatch_uid="reviews_dissolve_group_on_complete",
        )
        register_tab(Tab("acceptance", "成果验收", "reviews:acceptance", 60))
        register_tab(Tab("retrospective", "复盘", "reviews:retrospective", 70))
        _register_with_platform()


def _register_with_platform():
    from collab.notifications.alerts import register_alerts
    from collab.spreadsheets.registry import register_sheet

    from . import alerts, excel

    register_alerts(alerts)
    register_sheet(excel.ReviewSheet())
