from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    """The coordinator's cockpit (驾驶舱): the portfolio of running collaborations and
    department KPIs, read across every register; nothing depends on it."""

    name = "cockpit"
    verbose_name = _("驾驶舱")
