"""The requirement review meeting moved from requests_app.ReviewMeeting to a meeting of
kind review: existing rows are copied by the migration (and back when reversed)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("requests_app", "0001_initial"), ("meetings", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_review_meetings_are_copied_to_meetings():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Department = old.get_model("accounts", "Department")
    User = old.get_model("accounts", "User")
    Requirement = old.get_model("requests_app", "Requirement")
    ReviewMeeting = old.get_model("requests_app", "ReviewMeeting")
    department = Department.objects.create(code="MKT", name="市场部", kind="internal")
    director = User.objects.create(username="director", is_coordinator=True)
    head = User.objects.create(username="mkt_head", department=department)
    requirement = Requirement.objects.create(
        number="2024-MKT-001",
        initiating_department=department,
        contact=head,
        topic="2024年Q3新品上市推广",
        goal="3个月内实现新品销售额500万元",
        start_date=datetime.date(2024, 7, 15),
        end_date=datetime.date(2024, 9, 30),
        coordinator=director,
    )
    review = ReviewMeeting.objects.create(
        requirement=requirement, held_on=datetime.date(2024, 7, 10), conclusion="同意立项"
    )
    review.attendees.set([head, director])

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    from meetings.models import Meeting

    meeting = Meeting.objects.get()
    assert meeting.kind == "review"
    assert meeting.requirement_id == requirement.pk
    assert meeting.organizer_id == director.pk
    assert timezone.localdate(meeting.held_at) == datetime.date(2024, 7, 10)
    assert meeting.decisions == "同意立项" and meeting.conclusion == "同意立项"
    assert set(meeting.attendees.values_list("pk", flat=True)) == {head.pk, director.pk}
