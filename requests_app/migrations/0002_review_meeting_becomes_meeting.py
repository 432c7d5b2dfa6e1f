"""The requirement review meeting becomes a meeting of kind 需求评审会 (meetings):
rows are copied, then the old table goes."""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def copy_review_meetings(apps, schema_editor):
    ReviewMeeting = apps.get_model("requests_app", "ReviewMeeting")
    Meeting = apps.get_model("meetings", "Meeting")
    for old in ReviewMeeting.objects.select_related("requirement").prefetch_related("attendees"):
        held_at = datetime.datetime.combine(old.held_on, datetime.time(9, 0))
        if settings.USE_TZ:
            held_at = timezone.make_aware(held_at)
        meeting = Meeting.objects.create(
            requirement=old.requirement,
            kind="review",
            title="需求评审会",
            organizer_id=old.requirement.coordinator_id,
            held_at=held_at,
            minutes=old.conclusion,
            decisions=old.conclusion,
        )
        meeting.attendees.set(old.attendees.all())


def copy_back(apps, schema_editor):
    ReviewMeeting = apps.get_model("requests_app", "ReviewMeeting")
    Meeting = apps.get_model("meetings", "Meeting")
    for meeting in Meeting.objects.filter(kind="review").order_by("id"):
        if ReviewMeeting.objects.filter(requirement_id=meeting.requirement_id).exists():
            continue
        old = ReviewMeeting.objects.create(
            requirement_id=meeting.requirement_id,
            held_on=timezone.localdate(meeting.held_at) if settings.USE_TZ else meeting.held_at,
            conclusion=meeting.decisions or meeting.minutes,
        )
        old.attendees.set(meeting.attendees.all())


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0001_initial"),
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_review_meetings, copy_back),
        migrations.RemoveField(model_name="historicalreviewmeeting_attendees", name="history"),
        migrations.RemoveField(
            model_name="historicalreviewmeeting_attendees", name="reviewmeeting"
        ),
        migrations.RemoveField(model_name="historicalreviewmeeting_attendees", name="user"),
        migrations.RemoveField(model_name="reviewmeeting", name="attendees"),
        migrations.RemoveField(model_name="reviewmeeting", name="requirement"),
        migrations.DeleteModel(name="HistoricalReviewMeeting"),
        migrations.DeleteModel(name="HistoricalReviewMeeting_attendees"),
        migrations.DeleteModel(name="ReviewMeeting"),
    ]
