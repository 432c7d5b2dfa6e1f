"""A department liaison's day on a phone (390×844, touch) inside the DingTalk and Feishu
in-app browsers: the workbench's to-do, progress posted on their own task card, a risk
recorded with searchable pickers, the inbox. Every page fits the screen, its main buttons
are big enough and reachable above the bottom bar, and nothing fails to load."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from requests_app.models import Requirement
from risks_app.models import Risk
from tasks_app.models import ProgressUpdate
from tasks_app.services import task_create
from tests.e2e.ui_sweep import DINGTALK_UA, FEISHU_UA, PHONE, open_phone
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.slow

IN_APP_BROWSERS = {"dingtalk": DINGTALK_UA, "feishu": FEISHU_UA}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=sorted(IN_APP_BROWSERS))
def phone(request, browser, live_server):
    """A touch phone running the chat app's in-app browser."""
    page = open_phone(browser, live_server.url, IN_APP_BROWSERS[request.param])
    page.in_app = request.param
    yield page
    page.context.close()


@pytest.fixture
def running(org):
    """A requirement in execution (MKT; PRD, SAL, DSN) with its group formed, a task of
    prd_liaison (the liaison of this walk) and one of sal_liaison, both due within days."""
    users = org["users"]
    today = timezone.localdate()
    requirement = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN"),
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=90),
    )
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    tasks = {}
    rows = (("1", "竞品卖点梳理", "prd_liaison"), ("2", "渠道报价", "sal_liaison"))
    for code, name, owner in rows:
        tasks[owner] = task_create(
            requirement=requirement,
            actor=users["mkt_head"],
            code=code,
            name=name,
            owner_department=users[owner].department,
            owner=users[owner],
            planned_start=today - datetime.timedelta(days=3),
            planned_end=today + datetime.timedelta(days=3),
            deliverable=f"{name}清单",
        )
    # Starting needs approved plans; this walk is about execution, so the status is set
    # directly (no history wanted).
    Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    requirement.refresh_from_db()
    return {"requirement": requirement, "mine": tasks["prd_liaison"], "other": tasks["sal_liaison"]}


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "collab-demo")
    page.locator("button[type=submit]").tap()
    page.wait_for_url(lambda url: "/login/" not in url)


def _covering(locator) -> str:
    """Scrolled to the middle of the screen (as far as the page allows), what lies on the
    control's centre when it is not the control itself (the bottom bar, say); else ""."""
    return locator.evaluate(
        """(el) => {
          el.scrollIntoView({block: "center", inline: "nearest", behavior: "instant"});
          const r = el.getClientRects()[0];
          const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
          if (hit !== null && (hit === el || el.contains(hit))) { return ""; }
          return hit === null ? "nothing" : hit.outerHTML.slice(0, 200);
        }"""
    )


CARDS_WIDER_THAN_THEIR_BOX = """() => {
  const wide = [];
  document.querySelectorAll("main table.table-cards").forEach((table) => {
    [table.parentElement, ...table.querySelectorAll("tbody tr")].forEach((el) => {
      if (el.scrollWidth > el.clientWidth + 1) { wide.push(el.id || el.className || el.tagName); }
    });
  });
  return wide;
}"""


def _check_page(page, artifact_path, name, buttons):
    """No sideways scroll; each primary button at least 40 px tall, inside the screen and
    not covered; no script error or failed request so far; a screenshot."""
    page.wait_for_load_state("load")
    page.screenshot(path=artifact_path(f"phone-daily-{page.in_app}-{name}.png"), full_page=True)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name}: page is {width[0]} px wide on a {width[1]} px screen"
    # Cards must fit too: a table's own scroll box would hide a card wider than the screen.
    wide = page.evaluate(CARDS_WIDER_THAN_THEIR_BOX)
    assert wide == [], f"{name}: cards scroll sideways: {wide}"
    for button in buttons:
        assert button.is_visible(), f"{name}: {button} not shown"
        covering = _covering(button)
        assert not covering, f"{name}: {button} is covered by {covering}"
        box = button.bounding_box()
        assert box["height"] >= 40, f"{name}: {button} is {box['height']} px tall"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, button, box)
    assert page.errors == [], name


def test_a_liaison_works_one_handed_in_the_chat_apps(phone, org, running, artifact_path):
    page = phone
    requirement, mine, other = running["requirement"], running["mine"], running["other"]
    today = timezone.localdate()
    bottom_bar = page.locator("#bottom-bar")

    # 1. The workbench lists the task as a to-do; the bottom bar leads to "my tasks".
    _login(page, "prd_liaison")
    page.goto("/")
    todo = page.locator("#my-todos li[data-kind=task]")
    assert todo.count() == 1
    assert f"{mine.code} {mine.name}" in todo.inner_text()
    assert other.name not in page.inner_text("#my-todos")
    assert page.locator("#nav-toggler").is_visible()  # the full menu folds away
    assert not page.locator("#main-nav").is_visible()
    my_tasks = bottom_bar.get_by_role("link", name="我的任务")
    _check_page(page, artifact_path, "workbench", [my_tasks, todo.locator("a")])

    my_tasks.tap()
    page.wait_for_url("**/tasks/?mine=1")
    assert my_tasks.get_attribute("aria-current") == "page"

    # 2. Progress is posted on the liaison's own task card.
    card = page.locator(f"#task-{mine.pk}")
    assert page.locator(f"#task-{other.pk}").count() == 0  # only their own tasks
    # The row is laid out as a card: one cell under the other, labelled by column.
    assert page.locator("#task-table").evaluate("t => t.classList.contains('table-cards')")
    assert card.locator("td.progress-cell").get_attribute("data-label") == "进度"
    submit = card.locator(".progress-form button")
    _check_page(page, artifact_path, "my-tasks", [submit])
    note = "竞品资料已收齐，卖点初稿完成六成"
    card.locator("input[name=progress]").fill("60")
    card.locator("input[name=note]").fill(note)
    submit.tap()
    saved = page.locator(f"#task-{mine.pk} .row-saved")
    saved.wait_for()
    card = page.locator(f"#task-{mine.pk}")
    assert "60%" in card.locator(".progress-bar").inner_text()
    assert card.locator(".latest-note").inner_text() == note
    mine.refresh_from_db()
    assert mine.progress == 60
    update = ProgressUpdate.objects.filter(task=mine).latest("pk")
    assert (update.progress, update.note, update.author.username) == (60, note, "prd_liaison")
    # The row swapped in is labelled again (once htmx has settled) and fits.
    expect(card.locator("td.progress-cell")).to_have_attribute("data-label", "进度")
    _check_page(page, artifact_path, "my-tasks-saved", [card.locator(".progress-form button")])

    # The requirement's whole register: the other owner's card offers no form.
    page.locator(f"tr.requirement-group[data-requirement='{requirement.pk}'] a").tap()
    page.wait_for_url(f"**/tasks/requirement/{requirement.pk}/")
    assert page.locator(f"#task-{other.pk}").is_visible()
    assert page.locator(f"#task-{other.pk} form").count() == 0
    assert page.locator(f"#task-{mine.pk} .latest-note").inner_text() == note
    _check_page(
        page, artifact_path, "register", [page.locator(f"#task-{mine.pk} .progress-form button")]
    )

    # 3. A risk is recorded from the requirement's risk register.
    risks_tab = page.locator("#requirement-tabs [data-tab=risks]")
    risks_tab.tap()
    page.wait_for_url(f"**/risks/requirement/{requirement.pk}/")
    new_risk = page.locator("#new-risk")
    _check_page(page, artifact_path, "risks", [new_risk])
    new_risk.tap()
    page.wait_for_url(f"**/risks/requirement/{requirement.pk}/new/")
    save = page.locator("#save-risk")
    _check_page(page, artifact_path, "risk-form", [save])

    page.select_option("#id_kind", "risk")
    page.select_option("#id_impact", "high")
    _pick(page, "owner_department", "设计", "设计部")
    _pick(page, "owner", "黄", "黄静（设计部）")
    description = "设计部排期紧张，主视觉可能晚于上线前一周交付"
    page.locator("#id_description").fill(description)
    occurred = today - datetime.timedelta(days=1)
    planned = today + datetime.timedelta(days=7)
    page.locator("#id_occurred_on").fill(occurred.isoformat())
    _tap_date(page, "planned_resolution", today, planned)
    _check_page(page, artifact_path, "risk-form-filled", [save])
    save.tap()
    page.wait_for_url("**/risks/*/")
    assert "已登记 001" in page.inner_text("main")

    risk = Risk.objects.get(requirement=requirement)
    assert risk.code == "001"
    assert (risk.kind, risk.impact, risk.description) == ("risk", "high", description)
    assert risk.owner_department == org["departments"]["DSN"]
    assert risk.owner == org["users"]["dsn_liaison"]
    assert (risk.occurred_on, risk.planned_resolution) == (occurred, planned)
    assert risk.created_by == org["users"]["prd_liaison"]
    edit = page.get_by_role("link", name="修改", exact=True)
    _check_page(page, artifact_path, "risk-detail", [edit])

    # 4. The inbox, from the bottom bar.
    inbox = bottom_bar.get_by_role("link", name="通知")
    inbox.tap()
    page.wait_for_url("**/notifications/")
    assert inbox.get_attribute("aria-current") == "page"
    notices = page.locator("#notifications li[data-kind]")
    assert notices.count() >= 1
    assert mine.name in page.inner_text("#notifications")
    _check_page(
        page, artifact_path, "inbox", [page.locator("#read-all"), notices.first.locator("button")]
    )


def _pick(page, field, typed, option):
    """Tap the searchable select, type part of a name, tap the matching option."""
    search = page.locator(f"#id_{field}-ts-control")
    # With a choice shown, Tom Select moves its text box off-screen: the tap goes to the
    # box around the choice, which hands focus to the text box.
    page.locator(".ts-wrapper", has=search).locator(".ts-control").tap()
    expect(search).to_be_focused()
    # What a Chinese input method does: the chosen characters arrive in one input event.
    page.keyboard.insert_text(typed)
    options = page.locator(f"#id_{field}-ts-dropdown .option")
    # As a person does: tap once the list has narrowed to what was typed.
    expect(options.filter(has_not_text=typed)).to_have_count(0)
    options.filter(has_text=re.compile(f"^{option}$")).tap()
    expect(page.locator(f"#id_{field} option:checked")).to_have_text(option)
    # Typing left a list refresh pending (Tom Select's refreshThrottle); once it is due,
    # it must not have reopened this list over the next field or taken the focus.
    page.wait_for_function(
        "(id) => !document.getElementById(id).tomselect.refreshTimeout", arg=f"id_{field}"
    )


def _tap_date(page, field, today, day):
    """Open the date picker and tap the day (a month on if it falls in the next one)."""
    page.locator(f"#id_{field}").tap()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    if (day.year, day.month) != (today.year, today.month):
        calendar.locator(".flatpickr-next-month").tap()
    days = calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)")
    days.get_by_text(str(day.day), exact=True).tap()
    expect(page.locator(f"#id_{field}")).to_have_value(day.isoformat())
    expect(calendar).to_be_hidden()
