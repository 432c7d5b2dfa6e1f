"""The model fields' limits hold in every channel besides the API: pages, admin, Excel
imports and services that validate nothing themselves. Refused input changes nothing."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse

from collab.accounts.models import Department
from collab.core import fields
from requests_app.models import Requirement
from tests.factories import confirm_requirement, form_group, make_requirement, requirement_data
from tests.spreadsheets.helpers import REQUIREMENT_HEADERS, SEED_REQUIREMENT_ROW, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

BLANK = str(fields.BLANK_MESSAGE)
RANGE = "2000-01-01 至 2100-12-31"
# Text written by Collab itself (messages, logs, file names), never typed by a person.
SYSTEM_TEXT = {
    "notifications.Notification.message",
    "notifications.Alert.message",
    "notifications.Alert.note",
    "notifications.RobotConfig.broken_reason",
    "notifications.Delivery.last_error",
    "notifications.DeliveryAttempt.detail",
    "identity.SyncRun.error",  # what the platform answered when a sync failed
    "spreadsheets.ImportBatch.message",
    "spreadsheets.ExportJob.message",
}
# Computed or copied from the records' own (checked) dates, never typed.
SYSTEM_DATES = {
    "notifications.Alert.due_on",
    "meetings.WeeklyOccurrence.date",  # a weekday of the schedule
    "tasks_app.BaselineTask.planned_start",  # copied from the task when saved
    "tasks_app.BaselineTask.planned_end",
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_text_area_typed_by_people_is_bounded_and_every_date_is_in_range():
    """New fields must use collab.core.fields: a plain TextField has no maximum length,
    a plain DateField no range."""
    unbounded, unchecked_dates = [], []
    for model in apps.get_models():
        if model.__name__.startswith("Historical") or not model.__module__.startswith(
            (
                "collab.",
                "requests_app",
                "meetings",
                "documents",
                "tasks_app",
                "risks_app",
                "reviews_app",
                "calendars",
                "saved_views",
                "cockpit",
            )
        ):
            continue
        for field in model._meta.get_fields():
            name = f"{model._meta.app_label}.{model.__name__}.{getattr(field, 'name', '')}"
            if (
                isinstance(field, models.TextField)
                and name not in SYSTEM_TEXT
                and (not isinstance(field, fields.TextField) or field.max_length > fields.TEXT_LONG)
            ):
                unbounded.append(name)
            if (
                type(field) is models.DateField
                and field.editable
                and not (field.auto_now or field.auto_now_add)
                and name not in SYSTEM_DATES
            ):
                unchecked_dates.append(name)
    assert unbounded == []
    assert unchecked_dates == []


def test_requirement_form_refuses_blank_long_and_out_of_range_input(client, org):
    client.force_login(org["users"]["mkt_staff"])
    url = reverse("requirements:create")
    departments = org["departments"]
    base = {
        "initiating_department": departments["MKT"].pk,
        "topic": "双十一联合促销",
        "goal": "活动期间销售额达到800万元",
        "departments": [departments["PRD"].pk],
        "start_date": "2026-10-01",
        "end_date": "2026-11-30",
        "priority": "P0",
        "coordinator": org["users"]["director"].pk,
    }
    for overrides, message in (
        ({"topic": "\u200b\u2060\ufeff"}, BLANK),
        ({"goal": " \u200c\u200d "}, BLANK),
        ({"goal": "长" * (fields.TEXT_MEDIUM + 1)}, str(fields.TEXT_MEDIUM)),
        ({"start_date": "1999-12-31"}, RANGE),
        ({"end_date": "9999-12-31"}, RANGE),
    ):
        response = client.post(url, {**base, **overrides})
        assert response.status_code == 200, overrides
        assert message in response.text, overrides
        assert "invalid-feedback" in response.text
    assert not Requirement.objects.exists()
    response = client.post(url, {**base, "topic": "\u200b双十一联合促销\u200b"})
    assert response.status_code == 302
    assert Requirement.objects.get().topic == "双十一联合促销"


def test_admin_refuses_a_blank_looking_name(client, org):
    client.force_login(org["users"]["admin"])
    response = client.post(
        reverse("admin:accounts_department_add"),
        {"code": "NEW", "name": "\u200b \u2060", "kind": "internal"},
    )
    assert response.status_code == 200
    assert BLANK in response.text
    assert not Department.objects.filter(code="NEW").exists()


def test_excel_import_reports_the_limits_per_cell(org, api):
    api.as_user(org["users"]["mkt_staff"])
    topic, goal, start = 4, 5, 8  # columns of REQUIREMENT_HEADERS
    rows = []
    for index, value in ((topic, "\u200b"), (goal, "长" * (fields.TEXT_MEDIUM + 1))):
        row = list(SEED_REQUIREMENT_ROW)
        row[0] = f"2024-MKT-00{len(rows) + 1}"
        row[index] = value
        rows.append(row)
    row = list(SEED_REQUIREMENT_ROW)
    row[0], row[start] = "2024-MKT-009", datetime.date(1999, 12, 31)
    rows.append(row)
    response = api.post(
        "/api/v1/imports/",
        {"register": "requirements", "file": upload(xlsx_bytes(REQUIREMENT_HEADERS, rows))},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    errors = [(e["column"], e["message"]) for r in response.data["rows"] for e in r["errors"]]
    assert any(c == "协作主题" and BLANK in m for c, m in errors), errors
    assert any(c == "目标描述" and str(fields.TEXT_MEDIUM) in m for c, m in errors), errors
    assert any(c == "时间节点（开始）" and RANGE in m for c, m in errors), errors
    assert api.post(f"/api/v1/imports/{response.data['id']}/confirm/").status_code == 409
    assert not Requirement.objects.exists()


def test_services_that_check_nothing_still_cannot_store_bad_input(org):
    """The save itself refuses: a service without validation, and a plain create."""
    from meetings.services import meeting_create
    from risks_app.services import risk_create

    users, departments = org["users"], org["departments"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    leader = users["mkt_head"]
    held = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as error:
        meeting_create(
            requirement=requirement,
            actor=leader,
            kind="weekly",
            held_at=held,
            minutes="纪" * (fields.TEXT_LONG + 1),
        )
    assert "minutes" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        meeting_create(
            requirement=requirement, actor=leader, kind="weekly", held_at=held.replace(year=2101)
        )
    assert RANGE in error.value.message_dict["held_at"][0]
    with pytest.raises(ValidationError) as error:
        risk_create(
            requirement=requirement,
            actor=leader,
            data={
                "description": "\u200b\u200b",
                "impact": "high",
                "owner_department": departments["PRD"],
                "owner": users["prd_liaison"],
                "planned_resolution": datetime.date(2026, 12, 20),
            },
        )
    assert "description" in error.value.message_dict
    # Raised while saving, the error spoils the enclosing transaction like a database
    # error would: the write runs in its own atomic block, as services do.
    with pytest.raises(ValidationError) as error, transaction.atomic():
        Requirement.objects.create(
            number="2026-MKT-900",
            contact=users["mkt_staff"],
            **{**requirement_data(org), "start_date": datetime.date(1, 1, 1)},
        )
    assert RANGE in error.value.message_dict["start_date"][0]
    assert not requirement.meetings.exists()
    assert not requirement.risks.exists()
    assert Requirement.objects.count() == 1
