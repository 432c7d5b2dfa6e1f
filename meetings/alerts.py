"""Alert of the meetings: minutes not published within 24 hours -> the organizer."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.notifications.alerts import ScanContext, alert_scan
from collab.notifications.models import Alert, AlertKind
from collab.notifications.services import AlertSpec

from .events import local, minutes_action
from .models import Meeting


@alert_scan("minutes_overdue", _("会议纪要超24小时未发布"))
def scan_minutes_overdue(ctx: ScanContext):
    """Unpublished meetings held more than COLLAB_ALERT_MINUTES_HOURS ago (within the
    catch-up window). Keyed on the meeting's local date."""
    hours = getattr(settings, "COLLAB_ALERT_MINUTES_HOURS", 24)
    catch_up = getattr(settings, "COLLAB_ALERT_CATCHUP_DAYS", 7)
    latest = ctx.now - datetime.timedelta(hours=hours)
    earliest = latest - datetime.timedelta(days=catch_up)
    from django.contrib.contenttypes.models import ContentType

    already = Alert.objects.filter(
        kind=AlertKind.MINUTES_OVERDUE,
        content_type=ContentType.objects.get_for_model(Meeting),
        object_id=OuterRef("pk"),
        due_on=OuterRef("held_date"),
    )
    meetings = (
        Meeting.objects.filter(published_at__isnull=True, held_at__gte=earliest, held_at__lt=latest)
        .annotate(held_date=TruncDate("held_at"))
        .filter(~Exists(already))
        .select_related("organizer", "requirement")
    )
    for meeting in meetings:
        yield AlertSpec(
            kind=AlertKind.MINUTES_OVERDUE,
            target=meeting,
            due_on=timezone.localdate(meeting.held_at),
            recipients=[meeting.organizer],
            message="",
            params={
                "number": meeting.requirement.number,
                "title": meeting.display_title,
                "held": local(meeting.held_at),
                "hours": hours,
            },
            action=minutes_action(meeting),
            action_for=[meeting.organizer_id],
            url=meeting.get_absolute_url(),
            requirement_id=meeting.requirement_id,
        )
