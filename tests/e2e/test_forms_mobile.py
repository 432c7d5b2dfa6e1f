"""On a phone (390×844): people are picked by typing in a searchable select, dates in a
Chinese calendar, and a head signs on the sign card in place, a rejection only with a
comment."""

import pytest
from django.urls import reverse

from collab.signoffs.services import signoffs_for
from requests_app.models import REVIEW_STAGE
from tasks_app.models import Task
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    # Script errors, and any failed request except the browser's own favicon probe.
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: response.status >= 400
        and not response.url.endswith("/favicon.ico")
        and errors.append(f"{response.status} {response.url}"),
    )
    page.errors = errors
    yield page
    context.close()


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "collab-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _fits(page, selector: str) -> bool:
    """The element lies within the phone's width (the page's own chrome aside)."""
    box = page.locator(selector).bounding_box()
    return box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_pick_people_by_typing_and_dates_in_a_chinese_calendar(phone, org, artifact_path):
    requirement = make_requirement(org)
    form_group(org, requirement)
    requirement = confirm_requirement(org, requirement)
    page = phone
    _login(page, "mkt_head")
    page.goto(reverse("tasks:create", args=[requirement.pk]))
    page.fill("#id_code", "1.1")
    page.fill("#id_name", "活动方案设计")

    # The owner: type part of a name, pick the one shown with their department.
    page.click("#id_owner_department + .ts-wrapper .ts-control")
    page.keyboard.type("产品")
    page.locator("#id_owner_department-ts-dropdown .option", has_text="产品部").first.click()
    page.click("#id_owner + .ts-wrapper .ts-control")
    owner, helper = org["users"]["prd_liaison"].label, org["users"]["sal_liaison"].label
    page.keyboard.type(owner[:1])
    page.locator("#id_owner-ts-dropdown .option", has_text=f"{owner}（产品部）").click()
    # Collaborators: no Ctrl-click, each picked person becomes a removable chip.
    page.click("#id_collaborators + .ts-wrapper .ts-control")
    page.keyboard.type("销售")
    page.locator("#id_collaborators-ts-dropdown .option", has_text=f"{helper}（销售部）").click()
    page.keyboard.press("Escape")  # a multiple choice stays open for more picks
    chips = page.locator("#id_collaborators + .ts-wrapper .item")
    assert chips.count() == 1 and f"{helper}（销售部）" in chips.inner_text()
    assert page.get_attribute("#id_owner-ts-control", "aria-label") == "负责人"

    # The calendar speaks Chinese and writes ISO dates.
    page.click("#id_planned_start")
    calendar = page.locator(".flatpickr-calendar.open")
    assert "周一" in calendar.inner_text()
    page.keyboard.press("Escape")
    page.fill("#id_planned_start", "2026-12-01")
    page.fill("#id_planned_end", "2026-12-10")
    page.fill("#id_deliverable", "方案文档")
    assert _fits(page, "#task-form")
    page.screenshot(path=artifact_path("phone-task-form.png"), full_page=True)
    with page.expect_navigation():
        page.click("#save-task")

    task = Task.objects.get(requirement=requirement, code="1.1")
    users = org["users"]
    assert task.owner == users["prd_liaison"]
    assert list(task.collaborators.all()) == [users["sal_liaison"]]
    assert (task.planned_start.isoformat(), task.planned_end.isoformat()) == (
        "2026-12-01",
        "2026-12-10",
    )
    assert page.errors == []


def test_a_head_signs_on_a_phone_in_place(phone, org, artifact_path):
    requirement = make_requirement(org)
    prd = org["departments"]["PRD"]
    page = phone
    _login(page, "prd_head")
    page.goto(f"/requirements/{requirement.pk}/")
    page.evaluate("window.stayedOnPage = true")
    slot = page.locator(f"#signoffs li[data-slot='{prd.pk}']")
    approve, reject = slot.locator("button[value=approve]"), slot.locator("button[value=reject]")
    approve.scroll_into_view_if_needed()
    # Two big side-by-side buttons, each on one line, within the screen.
    for button in (approve, reject):
        box = button.bounding_box()
        assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert approve.bounding_box()["y"] == reject.bounding_box()["y"]
    assert _fits(page, "#signoffs")

    # Rejecting without a comment is refused beside the comment box; nothing is signed.
    reject.click()
    error = slot.locator(".invalid-feedback")
    error.wait_for()
    assert "不同意时请填写说明" in error.inner_text()
    assert slot.locator(".badge", has_text="待签字").count() == 1
    assert not signoffs_for(requirement, REVIEW_STAGE).exists()

    slot.locator("input[name=comment]").fill("资源已确认")
    slot.locator("button[value=approve]").click()
    slot.locator(".badge", has_text="已同意").wait_for()
    assert "资源已确认" in slot.inner_text() and "已签字" in slot.inner_text()
    # Signed in place: the same page, the form folded away behind its summary.
    assert page.evaluate("window.stayedOnPage === true")
    assert not slot.locator("button[value=approve]").is_visible()
    page.screenshot(path=artifact_path("phone-sign-card.png"), full_page=True)
    assert page.errors == []

    signed = [(s.department_id, s.decision) for s in signoffs_for(requirement, REVIEW_STAGE)]
    assert signed == [(prd.pk, "approve")]
