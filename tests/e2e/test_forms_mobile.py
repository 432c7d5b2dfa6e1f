"""On a phone (390×844, touch): a task is filled in with people picked by typing and dates
from a Chinese calendar, also in DingTalk's in-app browser; a search still running when
the person moves on leaves them where they are; a head signs on the sign card in place, a
rejection only with a comment."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from collab.signoffs.services import signoffs_for
from requests_app.models import REVIEW_STAGE
from tasks_app.models import Task
from tests.e2e.ui_sweep import DINGTALK_UA, PHONE, open_phone
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.slow


@pytest.fixture
def phone(request, browser, live_server):
    """A phone; parametrised indirectly with a user agent to be an in-app browser."""
    page = open_phone(browser, live_server.url, getattr(request, "param", None))
    yield page
    page.context.close()


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


def _task_form(page, org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    requirement = confirm_requirement(org, requirement)
    _login(page, "mkt_head")
    page.goto(reverse("tasks:create", args=[requirement.pk]))
    # The page's script has made the people searchable and the dates calendars.
    expect(page.locator("#id_collaborators + .ts-wrapper .ts-control")).to_be_visible()
    expect(page.locator("#id_planned_end")).to_have_class(re.compile(r"\bflatpickr-input\b"))
    return requirement


def _pick(page, field: str, typed: str, label: str):
    """Tap a searchable select, type part of a name, tap the one option left."""
    page.locator(f"#{field} + .ts-wrapper .ts-control").tap()
    page.keyboard.type(typed)
    options = page.locator(f"#{field}-ts-dropdown .option")
    expect(options).to_have_text([label])
    options.tap()


def _tap_heading(page):
    """A tap on the form's heading: away from every control."""
    page.locator(".card-header", has_text="分解任务").tap()


def _pick_day(page, field: str, day: int) -> str:
    """Tap a date box, check its calendar speaks Chinese, tap a day of the month shown;
    returns the date the calendar wrote."""
    page.locator(f"#{field}").tap()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".flatpickr-weekdays")).to_contain_text("周一")
    year, month = page.evaluate(
        "(id) => { const p = document.getElementById(id)._flatpickr;"
        " return [p.currentYear, p.currentMonth + 1]; }",
        field,
    )
    days = calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)")
    days.get_by_text(str(day), exact=True).tap()
    expected = date(year, month, day).isoformat()
    expect(page.locator(f"#{field}")).to_have_value(expected)
    expect(calendar).to_have_count(0)  # a picked day closes the calendar
    return expected


@pytest.mark.parametrize("phone", [None, DINGTALK_UA], ids=["browser", "dingtalk"], indirect=True)
def test_a_task_is_filled_in_on_a_phone(phone, org, artifact_path, request):
    page = phone
    requirement = _task_form(page, org)
    users = org["users"]
    owner, helper = users["prd_liaison"], users["sal_liaison"]
    page.locator("#id_code").fill("1.1")
    page.locator("#id_name").fill("活动方案设计")

    # People are found by typing part of a name and shown with their department.
    _pick(page, "id_owner_department", "产品", "产品部")
    _pick(page, "id_owner", owner.label, f"{owner.label}（产品部）")
    _pick(page, "id_collaborators", helper.label, f"{helper.label}（销售部）")
    # Several collaborators may be picked, so their list stays open until a tap elsewhere.
    _tap_heading(page)
    expect(page.locator("#id_collaborators-ts-dropdown")).to_be_hidden()
    chips = page.locator("#id_collaborators + .ts-wrapper .item")
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text(f"{helper.label}（销售部）")
    expect(page.locator("#id_owner-ts-control")).to_have_attribute("aria-label", "负责人")

    # The calendar speaks Chinese and writes ISO dates.
    start = _pick_day(page, "id_planned_start", 1)
    end = _pick_day(page, "id_planned_end", 15)
    page.locator("#id_deliverable").fill("方案文档")

    # The whole form fits the phone's width, and its save button can be reached above
    # the bottom bar.
    assert _fits(page, "#task-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save = page.locator("#save-task")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert _uncovered(page, "#save-task")
    page.screenshot(
        path=artifact_path(f"phone-task-form-{request.node.callspec.id}.png"), full_page=True
    )
    save.tap()
    expect(page).to_have_url(re.compile(reverse("tasks:register", args=[requirement.pk]) + "$"))

    task = Task.objects.get(requirement=requirement, code="1.1")
    assert task.owner == owner
    assert list(task.collaborators.all()) == [helper]
    assert (task.planned_start.isoformat(), task.planned_end.isoformat()) == (start, end)
    assert task.deliverable == "方案文档"
    assert page.errors == []


def _uncovered(page, selector: str) -> bool:
    """The element is on screen and is what a tap at its centre reaches."""
    return page.locator(selector).evaluate(
        """(element) => {
          const box = element.getBoundingClientRect();
          const x = box.left + box.width / 2, y = box.top + box.height / 2;
          if (y < 0 || y > window.innerHeight) { return false; }
          const hit = document.elementFromPoint(x, y);
          return hit !== null && (hit === element || element.contains(hit));
        }"""
    )


def test_a_search_still_running_does_not_pull_the_person_back(phone, org):
    """Typing into a people box searches a moment after the last key. Someone who taps an
    option and moves on to a date before then keeps the calendar they opened."""
    page = phone
    page.clock.install()
    _task_form(page, org)
    helper = org["users"]["sal_liaison"]
    # From here on the page's timers run only when the test lets time pass.
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    page.locator("#id_collaborators + .ts-wrapper .ts-control").tap()
    page.clock.run_for(1)  # the box opens its list once it has settled its focus
    page.keyboard.type(helper.label)
    # The list is not narrowed yet: the search waits for the typing to pause.
    option = page.locator("#id_collaborators-ts-dropdown .option", has_text=helper.label)
    expect(page.locator("#id_collaborators-ts-dropdown .option")).not_to_have_count(1)
    option.tap()
    _tap_heading(page)
    page.locator("#id_planned_start").tap()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()

    page.clock.run_for(2000)  # well past the search's pause
    expect(calendar).to_be_visible()
    expect(page.locator("#id_planned_start")).to_be_focused()
    expect(page.locator("#id_collaborators-ts-dropdown")).to_be_hidden()
    expect(page.locator("#id_collaborators + .ts-wrapper .item")).to_have_count(1)
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
