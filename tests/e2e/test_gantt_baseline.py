"""The Gantt draws the chosen baseline under the bars with the slip, and outlines the
critical path; the leader saves a baseline from the page."""

import datetime

import pytest

from requests_app.services import requirement_start
from tasks_app.models import Baseline
from tasks_app.services import task_reschedule
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.tasks_app.conftest import make_task

D = datetime.date


@pytest.mark.slow
def test_baseline_bars_slip_and_critical_path(page, login, org, artifact_path):
    users = org["users"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    first = make_task(
        org, requirement, "1", planned_start=D(2026, 12, 1), planned_end=D(2026, 12, 5)
    )
    second = make_task(
        org,
        requirement,
        "2",
        planned_start=D(2026, 12, 6),
        planned_end=D(2026, 12, 10),
        depends_on=[first],
    )
    make_task(org, requirement, "3", planned_start=D(2026, 12, 1), planned_end=D(2026, 12, 3))
    requirement_start(requirement=requirement, actor=users["mkt_head"])
    task_reschedule(
        task=second,
        actor=users["mkt_head"],
        planned_start=D(2026, 12, 8),
        planned_end=D(2026, 12, 13),
    )
    login("mkt_head")
    page.goto(f"/tasks/requirement/{requirement.pk}/gantt/")
    page.wait_for_selector("#gantt .baseline-bar")
    assert page.locator("#gantt .baseline-bar").count() == 3
    assert page.locator("#gantt .bar-wrapper.bar-critical").count() == 2
    assert page.locator(f'#gantt .bar-wrapper.bar-critical[data-id="{second.pk}"]').count() == 1
    slip = page.locator("#gantt .baseline-slip")
    assert slip.count() == 1 and slip.first.text_content().endswith("+3")
    # The baseline bar of task 2 starts two days left of its current bar.
    bar = page.locator(f'#gantt .bar-wrapper[data-id="{second.pk}"] .bar')
    base = page.locator(f'#gantt .baseline-bar[data-id="{second.pk}"]')
    assert float(base.get_attribute("x")) < float(bar.get_attribute("x"))
    # Another view mode redraws the baseline.
    page.click('#view-modes button[data-mode="Day"]')
    page.wait_for_selector("#gantt .baseline-bar")
    assert page.locator("#gantt .baseline-bar").count() == 3
    page.fill('#gantt-baselines input[name="name"]', "第二周调整")
    page.click('#gantt-baselines button:has-text("保存基线")')
    page.wait_for_selector("#baseline-choice")
    saved = Baseline.objects.get(name="第二周调整")
    assert page.locator("#baseline-choice").input_value() == str(saved.pk)
    assert page.locator("#gantt .baseline-slip").count() == 0  # nothing slipped since
    page.screenshot(path=artifact_path("gantt_baseline.png"), full_page=True)
