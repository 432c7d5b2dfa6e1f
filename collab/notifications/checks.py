"""System check: working-day counting without holiday data for this or next year."""

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

        entered = set(
            WorkCalendarDay.objects.filter(date__year__in=missing)
            .values_list("date__year", flat=True)
            .distinct()
        )
    except DatabaseError:  # tables not migrated yet
        entered = set()
    missing = [year for year in missing if year not in entered]
    if not missing:
        return []
    years = ", ".join(str(year) for year in missing)
    return [
        Warning(
            f"chinese-calendar has no statutory holidays for {years}.",
            hint=(
                "Working days count weekends only for those years until an admin enters "
                "the holidays and make-up workdays in Admin › 工作日历 (WorkCalendarDay)."
            ),
            id="notifications.W001",
        )
    ]
