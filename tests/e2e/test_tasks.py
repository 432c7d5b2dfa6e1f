"""The leader breaks a confirmed requirement into tasks in the browser, an owner posts
progress inline, and the Gantt chart shows one bar per task."""

import pytest

from tasks_app.models import Task
from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture
def confirmed(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    return confirm_requirement(org, requirement)


def add_task(page, *, code, name, department, owner, start, end, priority):
    page.fill("#id_code", code)
    page.fill("#id_name", name)
    page.select_option("#id_owner_department", label=department)
    page.select_option("#id_owner", label=owner)
    page.fill("#id_planned_start", start)
    page.fill("#id_planned_end", end)
    page.select_option("#id_priority", priority)
    page.fill("#id_deliverable", f"{name}交付物")


def test_breakdown_progress_and_gantt(page, login, org, confirmed, artifact_path):
    login("mkt_head")
    page.goto(f"/requirements/{confirmed.pk}/")
    page.click("#requirement-tabs [data-tab=tasks]")
    page.click("#new-task")
    add_task(
        page,
        code="1.1",
        name="活动方案设计",
        department="产品部",
        owner=f"{org['users']['prd_liaison'].label}（产品部）",
        start="2026-12-01",
        end="2026-12-10",
        priority="P0",
    )
    page.click("#save-and-add")
    page.wait_for_selector(".alert-success")
    add_task(
        page,
        code="1.2",
        name="渠道对接",
        department="销售部",
        owner=f"{org['users']['sal_liaison'].label}（销售部）",
        start="2026-12-05",
        end="2026-12-20",
        priority="P1",
    )
    page.click("#save-task")
    page.wait_for_selector("#task-table")
    assert page.locator("#task-table tbody tr[data-code]").count() == 2
    # a bad row is refused with a message and nothing is written
    page.click("#new-task")
    add_task(
        page,
        code="1.1",
        name="重复",
        department="产品部",
        owner=f"{org['users']['prd_liaison'].label}（产品部）",
        start="2026-12-01",
        end="2026-12-02",
        priority="P2",
    )
    page.click("#save-task")
    assert "任务ID 1.1 在本需求中已存在" in page.inner_text("#task-form")
    assert Task.objects.filter(requirement=confirmed).count() == 2

    login("prd_liaison")
    page.goto(f"/tasks/requirement/{confirmed.pk}/")
    task = Task.objects.get(requirement=confirmed, code="1.1")
    row = page.locator(f"#task-{task.pk}")
    row.locator("input[name=progress]").fill("40")
    row.locator("input[name=note]").fill("方案初稿完成40%")
    row.locator("button").click()
    page.wait_for_selector(f"#task-{task.pk} .row-saved")
    assert "40%" in page.inner_text(f"#task-{task.pk}")
    assert "方案初稿完成40%" in page.inner_text(f"#task-{task.pk} .latest-note")
    task.refresh_from_db()
    assert task.progress == 40
    # the other owner's row offers no progress form to this user
    other = Task.objects.get(requirement=confirmed, code="1.2")
    assert page.locator(f"#task-{other.pk} form").count() == 0

    page.goto(f"/tasks/requirement/{confirmed.pk}/gantt/")
    page.wait_for_selector("#gantt .bar-wrapper")
    assert page.locator("#gantt .bar-wrapper").count() == 2
    assert page.locator("#gantt .today-line").count() == 1
    page.screenshot(path=artifact_path("tasks_gantt.png"), full_page=True)


def test_kanban_drag_runs_the_transition_or_refuses(page, login, org, confirmed, artifact_path):
    import datetime

    from requests_app.services import requirement_start
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    task = task_create(
        requirement=confirmed,
        actor=users["mkt_head"],
        code="1",
        name="卖点提炼",
        owner_department=departments["PRD"],
        owner=users["prd_liaison"],
        planned_start=datetime.date(2026, 12, 1),
        planned_end=datetime.date(2026, 12, 5),
    )
    requirement_start(requirement=confirmed, actor=users["mkt_head"])
    login("prd_liaison")
    page.goto(f"/tasks/requirement/{confirmed.pk}/kanban/")
    card = f".kanban-card[data-id='{task.pk}']"
    page.drag_and_drop(card, ".kanban-list[data-status=done]")
    page.wait_for_selector("#kanban-message.alert-danger")
    assert "不能从“未开始”直接移到“已完成”" in page.inner_text("#kanban-message")
    assert page.locator(f".kanban-list[data-status=not_started] {card}").count() == 1
    task.refresh_from_db()
    assert task.status == "not_started"

    page.reload()  # a fresh board, as the user would see it after the refusal
    page.drag_and_drop(card, ".kanban-list[data-status=in_progress]")
    page.wait_for_selector("#kanban-message.alert-success")
    task.refresh_from_db()
    assert task.status == "in_progress"
    page.screenshot(path=artifact_path("tasks_kanban.png"), full_page=True)


@pytest.mark.slow
def test_two_editors_of_one_task_the_second_sees_the_conflict(
    page, login, browser, live_server, org, confirmed, artifact_path
):
    from tests.tasks_app.conftest import make_task

    task = make_task(org, confirmed, "1")
    edit = f"/tasks/{task.pk}/edit/"
    login("director")
    page.goto(edit)
    second = browser.new_context(locale="zh-CN", base_url=live_server.url).new_page()
    second.goto("/login/")
    second.fill("#id_username", "mkt_head")
    second.fill("#id_password", "collab-demo")
    second.click("button[type=submit]")
    second.wait_for_load_state()
    second.goto(edit)

    page.fill("#id_name", "协调人改的名称")
    page.click("#save-task")
    page.wait_for_selector(".alert-success")

    second.fill("#id_name", "组长改的名称")
    second.click("#save-task")
    conflict = second.locator("#edit-conflict")
    conflict.wait_for()
    row = conflict.locator("tr[data-field=name]")
    assert row.locator("[data-value=stored]").inner_text() == "协调人改的名称"
    assert row.locator("[data-value=typed]").inner_text() == "组长改的名称"
    assert second.input_value("#id_name") == "组长改的名称"  # what was typed is kept
    second.screenshot(path=artifact_path("edit_conflict.png"), full_page=True)
    task.refresh_from_db()
    assert task.name == "协调人改的名称"

    second.click("#edit-conflict-reload")
    second.wait_for_load_state()
    assert second.locator("#edit-conflict").count() == 0
    assert second.input_value("#id_name") == "协调人改的名称"
    second.fill("#id_deliverable", "组长补充的交付物")
    second.click("#save-task")
    second.wait_for_selector(".alert-success")
    task.refresh_from_db()
    assert (task.name, task.deliverable) == ("协调人改的名称", "组长补充的交付物")
    second.context.close()
