"""Hostile text in task names never runs as script, and the pages keep to their
Content-Security-Policy: no dialog fires and the browser reports no CSP violation."""

import datetime

import pytest

from tasks_app.services import task_create
from tests.factories import confirm_requirement, form_group, make_requirement

HOSTILE = [
    "x<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "<script>alert(3)</script>",
    "</text><foreignObject><img src=x onerror=alert(4)></foreignObject>",
]


@pytest.fixture
def hostile_requirement(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    requirement = confirm_requirement(org, requirement)
    owner = org["users"]["prd_liaison"]
    for index, name in enumerate(HOSTILE, start=1):
        task_create(
            requirement=requirement,
            actor=org["users"]["mkt_head"],
            code=str(index),
            name=name,
            owner_department=owner.department,
            owner=owner,
            planned_start=datetime.date(2026, 12, index),
            planned_end=datetime.date(2026, 12, index + 5),
            priority="P1",
            deliverable="交付物",
        )
    return requirement


def watch(page):
    """Collects dialogs and CSP violations (a listener in the page and console reports)."""
    seen = {"dialogs": [], "violations": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda message: seen["violations"].append(message.text)
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
        else None,
    )
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation', function (e) {"
        "  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    return seen


def violations(page, seen):
    return seen["violations"] + page.evaluate("window.__csp || []")


@pytest.mark.slow
def test_hostile_task_names_render_as_text_on_gantt_and_kanban(page, login, hostile_requirement):
    seen = watch(page)
    login("mkt_head")
    response = page.goto(f"/tasks/requirement/{hostile_requirement.pk}/gantt/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#gantt .bar-label")
    labels = page.locator("#gantt .bar-label").all_text_contents()
    # each bar reads "<code> <name>", the name exactly as typed
    assert sorted(labels) == sorted(f"{i} {name}" for i, name in enumerate(HOSTILE, start=1))
    assert page.locator("#gantt img, #gantt foreignObject, #gantt script").count() == 0
    # the popup shows the name as text too
    page.locator("#gantt .bar-wrapper").first.click()
    page.wait_for_selector(".popup-wrapper .gantt-popup")
    assert page.locator(".popup-wrapper img, .popup-wrapper svg[onload]").count() == 0
    page.goto(f"/tasks/requirement/{hostile_requirement.pk}/kanban/")
    page.wait_for_selector(".kanban-card")
    assert page.locator(".kanban-card img").count() == 0
    page.goto("/tasks/")
    page.wait_for_load_state("networkidle")
    assert seen["dialogs"] == []
    assert violations(page, seen) == []


@pytest.mark.slow
def test_pages_and_api_docs_load_without_csp_violations(page, login, hostile_requirement):
    seen = watch(page)
    login("mkt_head")
    for path in (
        "/",
        f"/requirements/{hostile_requirement.pk}/",
        "/requirements/",
        "/risks/",
        "/documents/",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)
    assert seen["dialogs"] == []
    assert violations(page, seen) == []
