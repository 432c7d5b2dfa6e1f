"""The cockpit in Chromium: the coordinator opens it from the navigation, filters the
portfolio, and the KPI charts (vendored ECharts) draw within the Content-Security-Policy."""

import datetime

import pytest
from django.utils import timezone

from requests_app.models import Requirement
from tasks_app.models import Task
from tests.e2e.test_security import violations, watch
from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture
def running(org):
    requirement = make_requirement(org, topic="驾驶舱演示")
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    today = timezone.localdate()
    for index, (late_by, done) in enumerate([(0, True), (3, True), (4, False)], start=1):
        end = today - datetime.timedelta(days=7 * index)
        Task.objects.create(
            requirement=requirement,
            code=f"1.{index}",
            name=f"任务{index}",
            owner_department=org["departments"]["PRD"],
            owner=org["users"]["prd_liaison"],
            planned_start=end - datetime.timedelta(days=5),
            planned_end=end,
            actual_end=end + datetime.timedelta(days=late_by) if done else None,
            status="done" if done else "in_progress",
            progress=100 if done else 40,
        )
    return requirement


@pytest.mark.slow
def test_portfolio_and_kpi_charts_in_the_browser(page, login, running):
    seen = watch(page)
    login("director")
    page.click("#nav-cockpit")
    row = page.locator(f"tr[data-number='{running.number}']")
    assert row.get_attribute("data-health") == "late"
    assert "1 个任务逾期" in row.inner_text()
    page.select_option("#id_health", "on_track")
    page.click("#filters button")
    assert page.locator("#portfolio-table tbody tr[data-health]").count() == 0

    page.click("#kpi-link")
    for chart in ("chart-weekly", "chart-causes", "chart-turnaround"):
        page.wait_for_selector(f"#{chart}[data-rendered=true] canvas")
    overall = page.locator("#kpi-overall").inner_text()
    assert "50.0" in overall  # one of the two finished tasks on time
    assert violations(page, seen) == []
    assert seen["dialogs"] == []
