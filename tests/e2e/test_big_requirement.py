"""A requirement with more tasks than a page shows: the kanban loads a column's next
cards as it scrolls, the Gantt chart loads its next bars on demand and collapses into
one bar per WBS group."""

import datetime

import pytest
from playwright.sync_api import expect

from tasks_app.board import GANTT_FIRST_ROWS, KANBAN_PAGE
from tasks_app.models import Task, wbs_sort_key
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.slow
TASKS = GANTT_FIRST_ROWS + 20  # more than the first Gantt window and a kanban page


@pytest.fixture
def big(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    users, departments = org["users"], org["departments"]
    start = datetime.date(2026, 12, 1)
    tasks = []
    for index in range(TASKS):
        code = f"{index // 100 + 1}.{index % 100 + 1}"
        tasks.append(
            Task(
                requirement=requirement,
                code=code,
                code_sort=wbs_sort_key(code),
                name=f"任务{code}",
                owner_department=departments["PRD"],
                owner=users["prd_liaison"],
                planned_start=start,
                planned_end=start + datetime.timedelta(days=index % 30),
            )
        )
    Task.objects.bulk_create(tasks)
    return requirement


def test_kanban_loads_more_cards_on_scroll(page, login, big):
    login("mkt_head")
    page.goto(f"/tasks/requirement/{big.pk}/kanban/")
    column = ".kanban-list[data-status=not_started]"
    assert page.locator(f"{column} .kanban-card").count() == KANBAN_PAGE
    assert page.inner_text(".kanban-column[data-status=not_started] .kanban-count") == str(TASKS)
    for _ in range(10):
        if page.locator(f"{column} .kanban-card").count() == TASKS:
            break
        page.locator(f"{column} .kanban-more").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    assert page.locator(f"{column} .kanban-card").count() == TASKS
    assert page.locator(f"{column} .kanban-more").count() == 0


def test_gantt_loads_more_bars_and_collapses_groups(page, login, big):
    login("mkt_head")
    page.goto(f"/tasks/requirement/{big.pk}/gantt/")
    page.wait_for_selector("#gantt .bar-wrapper")
    assert page.locator("#gantt .bar-wrapper").count() == GANTT_FIRST_ROWS
    bars = page.locator("#gantt .bar-wrapper")
    page.click("#gantt-more")
    expect(bars).to_have_count(TASKS)
    expect(page.locator("#gantt-more")).to_be_hidden()
    page.click("#gantt-collapse")
    expect(bars).to_have_count(2)  # WBS groups 1 (100 tasks) and 2
    assert "1（100 个任务）" in page.text_content("#gantt")
    page.click("#gantt-collapse")
    expect(bars).to_have_count(TASKS)
