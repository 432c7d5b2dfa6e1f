"""The shared form layer (collab/core/forms.py) as the register forms use it: searchable
selects for people, departments and tasks, date pickers, accessible names, errors beside
the field and sensible defaults."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CONTROL = re.compile(r"<(input|select|textarea)\b[^>]*>", re.S)


def _confirmed(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    return confirm_requirement(org, requirement)


def _unnamed_controls(html: str) -> list[str]:
    """Visible controls with neither an aria-label nor a <label for=...>."""
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    missing = []
    for match in CONTROL.finditer(html):
        tag = match.group(0)
        if re.search(r'type="(hidden|submit|button)"', tag):
            continue
        control_id = re.search(r'\bid="([^"]+)"', tag)
        if "aria-label=" in tag or (control_id and control_id.group(1) in labelled):
            continue
        missing.append(tag)
    return missing


def test_people_departments_and_tasks_are_searchable_and_people_show_their_department(org):
    from tasks_app.forms import TaskForm

    requirement = _confirmed(org)
    form = TaskForm(requirement=requirement)
    collaborators = str(form["collaborators"])
    owner = str(form["owner"])
    department = str(form["owner_department"])
    depends_on = str(form["depends_on"])

    for html in (collaborators, owner, department, depends_on):
        assert "data-search-select" in html and 'size="' not in html
    assert "multiple" in collaborators and "multiple" in depends_on
    liaison, sales = org["users"]["prd_liaison"], org["users"]["sal_liaison"]
    assert f"{liaison.label}（产品部）" in owner and f"{sales.label}（销售部）" in collaborators
    assert 'data-no-results="无匹配项"' in owner
    # A choice that is not a person, a department or a task stays a plain select.
    assert "data-search-select" not in str(form["priority"])


def test_dates_are_pickers_in_iso_text_and_date_times_accept_both_forms(org):
    from meetings.forms import MeetingForm
    from meetings.models import MeetingKind
    from tasks_app.forms import TaskForm

    requirement = _confirmed(org)
    form = TaskForm(requirement=requirement, initial={"planned_start": datetime.date(2026, 12, 1)})
    html = str(form["planned_start"])
    assert 'type="text"' in html and 'data-datepicker="date"' in html
    assert 'value="2026-12-01"' in html and 'type="date"' not in html

    meeting = MeetingForm(requirement=requirement, kind=MeetingKind.WEEKLY)
    assert 'data-datepicker="datetime"' in str(meeting["held_at"])
    field = meeting.fields["held_at"]
    for typed in ("2026-12-01 09:30", "2026-12-01T09:30"):
        assert field.clean(typed) == timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 30))


def test_every_control_of_the_inline_forms_has_an_accessible_name(org, client):
    from reviews_app.forms import FindingForm, ImprovementForm, MetricForm

    for form in (MetricForm(), FindingForm(), ImprovementForm()):
        for field in form:
            assert f'aria-label="{field.label}"' in str(field), field.name
    # Inline rows show the label as a hint too (no visible <label> there).
    assert 'placeholder="目标值"' in str(MetricForm()["target"])

    requirement = make_requirement(org)  # pending review: the coordinator records it
    client.force_login(org["users"]["director"])
    page = client.get(reverse("requirements:detail", args=[requirement.pk])).text
    card = re.search(r'<form[^>]*id="review-meeting-form".*?</form>', page, re.S).group(0)
    assert 'name="held_on"' in card and 'name="attendees"' in card
    assert _unnamed_controls(card) == []
    assert '<label class="form-label" for="id_held_on">会议日期' in card


def test_errors_stand_beside_the_field_that_has_them(org):
    from risks_app.forms import RiskForm

    requirement = _confirmed(org)
    form = RiskForm({"description": ""}, requirement=requirement)
    assert not form.is_valid()
    html = str(form["description"])
    assert 'aria-invalid="true"' in html and "is-invalid" in html
    assert "is-invalid" not in str(form["measures"])


def test_the_only_coordinator_is_preselected(org):
    from collab.accounts.models import User
    from requests_app.forms import RequirementForm

    director = org["users"]["director"]
    assert list(User.objects.filter(is_coordinator=True)) == [director]
    html = str(RequirementForm()["coordinator"])
    assert re.search(rf'<option value="{director.pk}" selected>', html)

    other = org["users"]["ops_head"]
    other.is_coordinator = True
    other.save(update_fields=["is_coordinator"])
    assert not re.search(r'<option value="\d+" selected>', str(RequirementForm()["coordinator"]))
    # A bound form never gets a value the user did not send.
    assert RequirementForm({}).initial.get("coordinator") is None


def test_dates_that_are_usually_today_start_at_today_on_new_records_only(org):
    from meetings.forms import ReviewMeetingForm
    from reviews_app.forms import ImprovementForm
    from risks_app.forms import RiskForm
    from risks_app.services import risk_create

    requirement = _confirmed(org)
    today = timezone.localdate()
    assert RiskForm(requirement=requirement)["occurred_on"].value() == today
    assert ReviewMeetingForm()["held_on"].value() == today
    assert ImprovementForm()["due_date"].value() is None  # a deadline is never today

    users = org["users"]
    risk = risk_create(
        requirement=requirement,
        actor=users["mkt_head"],
        data={
            "kind": "risk",
            "description": "物料延期",
            "impact": "high",
            "owner_department": org["departments"]["PRD"],
            "owner": users["prd_liaison"],
            "occurred_on": today - datetime.timedelta(days=5),
            "planned_resolution": today + datetime.timedelta(days=3),
        },
    )
    edit = RiskForm(instance=risk, requirement=requirement)
    assert edit["occurred_on"].value() == today - datetime.timedelta(days=5)


def test_the_pickers_are_vendored_and_every_page_loads_them(org, client):
    for path in (
        "vendor/tom-select-2.6.2/tom-select.complete.min.js",
        "vendor/tom-select-2.6.2/tom-select.bootstrap5.min.css",
        "vendor/flatpickr-4.6.13/flatpickr.min.js",
        "vendor/flatpickr-4.6.13/zh.js",
        "js/forms.js",
    ):
        assert finders.find(path), path
    client.force_login(org["users"]["mkt_staff"])
    page = client.get(reverse("requirements:create")).text
    assert "tom-select.complete.min.js" in page and "flatpickr-4.6.13/zh.js" in page
