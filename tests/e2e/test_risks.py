"""An issue's owner records a special meeting (专题会) in the browser, adds an action
item and turns it into a task with one click."""

import datetime
import re

import pytest
from django.utils import timezone

from meetings.models import ActionItem, Meeting
from risks_app.services import risk_create
from tasks_app.models import Task
from tests.meetings.conftest import start_running


@pytest.fixture
def issue(org):
    users, departments = org["users"], org["departments"]
    requirement = start_running(org)
    today = timezone.localdate()
    return risk_create(
        requirement=requirement,
        actor=users["mkt_head"],
        data={
            "kind": "issue",
            "description": "宣传物料设计不符合品牌规范",
            "impact": "high",
            "owner_department": departments["DSN"],
            "owner": users["dsn_liaison"],
            "occurred_on": today - datetime.timedelta(days=1),
            "planned_resolution": today + datetime.timedelta(days=1),
        },
    )


def test_special_meeting_for_an_issue_and_action_item_to_task(page, login, issue, artifact_path):
    today = timezone.localdate()
    deadline = (today + datetime.timedelta(days=3)).isoformat()
    login("dsn_liaison")
    page.goto(f"/risks/requirement/{issue.requirement_id}/")
    page.click("#risks [data-risk='001'] a")
    page.click("#convene-special-meeting")

    # Submitting without the analysis explains what is missing and records nothing.
    page.fill("#id_solution", "")
    page.click("#save-special-meeting")
    assert page.locator("#special-meeting-form").is_visible()

    page.fill("#id_held_at", f"{today.isoformat()}T09:30")
    page.select_option("#id_cause_category", "capability")
    page.check(
        f"#special-meeting-form input[name=departments][value='{issue.owner_department_id}']"
    )
    page.fill("#id_solution", "增加品牌审核环节，设计稿先经市场部确认")
    page.fill("#id_recovery_plan", "重新设计海报与宣传册")
    page.fill("#id_recovery_deadline", deadline)
    page.fill("#id_minutes", "物料不符合品牌规范，原因是品牌规范理解不一致")
    page.click("#save-special-meeting")

    page.wait_for_selector("#meeting-kind")
    assert page.inner_text("#meeting-kind") == "专题会"
    assert page.inner_text("#cause-category") == "能力不足"
    meeting = Meeting.objects.get(kind="special")
    assert meeting.subject == issue

    page.click("#add-item")
    page.fill("#id_text", "重新设计宣传物料并提交品牌审核")
    page.select_option("#id_owner", str(issue.owner_id))
    page.fill("#id_due_date", deadline)
    page.click("#item-form button")
    page.wait_for_selector("#action-items [data-convert=task]")
    page.click("#action-items [data-convert=task]")
    page.wait_for_selector("#action-items .converted-link")
    assert re.search("已转为", page.inner_text("#action-items"))
    page.screenshot(path=artifact_path("risks_special_meeting_task.png"), full_page=True)

    task = Task.objects.get()
    assert task.name == "重新设计宣传物料并提交品牌审核"
    assert task.owner_id == issue.owner_id
    assert task.planned_end.isoformat() == deadline
    assert ActionItem.objects.get().converted == task
    issue.refresh_from_db()
    assert issue.status == "in_progress"
