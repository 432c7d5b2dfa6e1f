"""System check: working-day counting for a year without the State Council notice."""

import datetime

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from .workdays import WORKING, chinese_calendar_covers


@register(Tags.compatibility)
def work_calendar_coverage(app_configs, **kwargs):
    if getattr(settings, "COLLAB_ALERT_DAY_COUNTING", "calendar") != WORKING:
        return []
    this_year = datetime.datetime.now(tz=datetime.UTC).year
    missing = [year for year in (this_year, this_year + 1) if not chinese_calendar_covers(year)]
    try:
        from .models import WorkCalendarDay

        imported = set(
            WorkCalendarDay.objects.filter(
                date__year__in=missing, source=WorkCalendarDay.Source.NOTICE
            )
            .values_list("date__year", flat=True)
            .distinct()
        )
    except DatabaseError:  # tables not migrated yet
        imported = set()
    missing = [year for year in missing if year not in imported]
    if not missing:
        return []
    years = ", ".join(str(year) for year in missing)
    return [
        Warning(
            f"No holiday notice for {years}: statutory holidays are computed from the rules, "
            "make-up working days (调休) are unknown.",
            hint=(
                "Import the State Council notice for the year in Admin › 工作日历 › "
                "导入放假通知, or with `manage.py import_holiday_notice FILE`."
            ),
            id="notifications.W001",
        )
    ]


@register()
def event_roles_declared(app_configs, **kwargs):
    """Every role an event names is declared by some register."""
    from django.core.checks import Error

    from .events import check_declarations

    return [
        Error(f"Event role not declared: {missing}", id="notifications.E001")
        for missing in check_declarations()
    ]
