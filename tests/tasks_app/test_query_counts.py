"""List pages and endpoints run the same number of queries for 5 rows and for 50."""

import datetime

import pytest
from django.urls import reverse

from tasks_app.services import task_create, task_post_update

from .conftest import make_task

# The register tab: 13, plus 4 for the requirement's step and next actions (its
# lifecycle data loaded once: the row with its task, plan and acceptance aggregates,
# departments, members, sign-offs), whatever the number of tasks; plus the saved views.
REGISTER_PAGE_QUERIES = 18
# The list plus the plan marks: critical tasks (tasks, dependencies) and the latest
# baselines (their task dates are read only when a baseline exists).
TASK_LIST_QUERIES = 12
# The bars with their count (the chart loads in windows), plus the baselines and the
# critical path (tasks, dependencies).
GANTT_QUERIES = 11


def _fill(org, requirement, count):
    users, departments = org["users"], org["departments"]
    first = make_task(org, requirement, "1")
    for index in range(2, count + 1):
        task = task_create(
            requirement=requirement,
            actor=users["mkt_head"],
            code=f"2.{index}",
            name=f"任务{index}",
            owner_department=departments["SAL"] if index % 2 else departments["PRD"],
            owner=users["sal_liaison"] if index % 2 else users["prd_liaison"],
            planned_start=datetime.date(2026, 12, 1),
            planned_end=datetime.date(2026, 12, 1) + datetime.timedelta(days=index),
            collaborating_departments=[departments["CHA"], departments["MKT"]],
            collaborators=[users["cha_contact"], users["mkt_head"]],
            depends_on=[first],
        )
        task_post_update(task=task, actor=users["mkt_head"], progress=index, note=f"进展{index}")


@pytest.mark.parametrize("rows", [5, 50])
def test_register_page(org, confirmed, client, rows, django_assert_num_queries):
    _fill(org, confirmed, rows)
    client.force_login(org["users"]["mkt_head"])
    url = reverse("tasks:register", args=[confirmed.pk])
    with django_assert_num_queries(REGISTER_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('progress-form"') == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_task_list_endpoint(org, confirmed, api, rows, django_assert_num_queries):
    _fill(org, confirmed, rows)
    client = api.as_user(org["users"]["mkt_head"])
    with django_assert_num_queries(TASK_LIST_QUERIES):
        response = client.get("/api/v1/tasks/", {"requirement": confirmed.pk, "page_size": 100})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_gantt_endpoint(org, confirmed, api, rows, django_assert_num_queries):
    _fill(org, confirmed, rows)
    client = api.as_user(org["users"]["prd_liaison"])
    with django_assert_num_queries(GANTT_QUERIES):
        response = client.get(f"/api/v1/requirements/{confirmed.pk}/gantt/")
    assert len(response.json()["tasks"]) == rows


KANBAN_QUERIES = 12
KANBAN_MORE_QUERIES = 6
WEEKLY_QUERIES = 10
# The first window of bars, plus the baselines and the critical path (tasks, dependencies).
GANTT_PAGE_QUERIES = 18


@pytest.mark.parametrize("rows", [5, 50])
def test_kanban_pages(org, confirmed, client, rows, django_assert_num_queries):
    """The board (50 cards a column, counts per column) and a column's next cards."""
    _fill(org, confirmed, rows)
    client.force_login(org["users"]["mkt_head"])
    url = reverse("tasks:kanban", args=[confirmed.pk])
    client.get(url)
    with django_assert_num_queries(KANBAN_QUERIES):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('class="kanban-card') == rows
    assert f'kanban-count">{rows}<' in page
    more = reverse("tasks:kanban_column", args=[confirmed.pk, "not_started"])
    with django_assert_num_queries(KANBAN_MORE_QUERIES):
        response = client.get(more, {"offset": 2})
    assert response.content.decode().count('class="kanban-card') == rows - 2


@pytest.mark.parametrize("rows", [5, 50])
def test_weekly_and_gantt_pages(org, confirmed, client, rows, django_assert_num_queries):
    _fill(org, confirmed, rows)
    client.force_login(org["users"]["mkt_head"])
    weekly = reverse("tasks:weekly", args=[confirmed.pk])
    client.get(weekly)
    with django_assert_num_queries(WEEKLY_QUERIES):
        response = client.get(weekly, {"week": "2026-12-01"})
    assert response.content.decode().count('<tr data-code="2.') == 4  # 2.2–2.5 due
    gantt = reverse("tasks:gantt", args=[confirmed.pk])
    client.get(gantt)
    with django_assert_num_queries(GANTT_PAGE_QUERIES):
        response = client.get(gantt)
    assert response.context["gantt"]["total"] == rows
