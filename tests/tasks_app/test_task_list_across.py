"""The task list across requirements: each requirement's tasks together in WBS order,
and the inline progress form only on the viewer's own tasks."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import confirm_requirement, form_group, make_requirement

from .conftest import make_task
from .test_query_counts import _fill

pytestmark = pytest.mark.django_db

TASK_LIST_PAGE_QUERIES = 11


def _confirmed(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    return confirm_requirement(org, requirement)


def _rows(html: str) -> list[tuple[str, str]]:
    """(kind, value) per table row in order: ("group", requirement id) or ("task", code)."""
    rows = re.findall(
        r'<tr (?:class="requirement-group[^"]*" data-requirement="(\d+)"|id="task-\d+" '
        r'data-code="([^"]+)")',
        html,
    )
    return [("group", group) if group else ("task", code) for group, code in rows]


def test_tasks_are_grouped_by_requirement_then_in_wbs_order(org, client):
    first, second = _confirmed(org), _confirmed(org)
    # Created interleaved, with codes whose text order differs from WBS order.
    for requirement, code in [(first, "10"), (second, "2"), (first, "1.2"), (second, "1")]:
        make_task(org, requirement, code)
    make_task(org, first, "2", owner="sal_liaison")
    client.force_login(org["users"]["director"])

    html = client.get(reverse("tasks:list")).text

    # The newest requirement first, as in the requirement list.
    assert _rows(html) == [
        ("group", str(second.pk)),
        ("task", "1"),
        ("task", "2"),
        ("group", str(first.pk)),
        ("task", "1.2"),
        ("task", "2"),
        ("task", "10"),
    ]
    assert f'href="{reverse("tasks:register", args=[first.pk])}">{first.number}</a>' in html
    # Sorted by delay, the requirements still stay together.
    html = client.get(reverse("tasks:list"), {"sort": "delay"}).text
    groups = [value for kind, value in _rows(html) if kind == "group"]
    assert groups == [str(second.pk), str(first.pk)]


def _forms_by_code(html: str) -> dict[str, bool]:
    rows = re.findall(r'<tr id="task-\d+" data-code="([^"]+)".*?</tr>', html, re.S)
    bodies = re.findall(r'<tr id="task-\d+" data-code="[^"]+".*?</tr>', html, re.S)
    return {
        code: 'class="d-flex gap-1 no-print progress-form"' in body
        for code, body in zip(rows, bodies, strict=True)
    }


def test_progress_form_only_on_the_viewers_own_tasks_across_requirements(org, client):
    requirement = _confirmed(org)
    users = org["users"]
    make_task(org, requirement, "1", owner="prd_liaison")
    make_task(org, requirement, "2", owner="sal_liaison")

    client.force_login(users["director"])  # the coordinator may update every task
    across = client.get(reverse("tasks:list")).text
    assert _forms_by_code(across) == {"1": False, "2": False}
    # On the requirement's own register the coordinator still updates any row.
    register = client.get(reverse("tasks:register", args=[requirement.pk])).text
    assert _forms_by_code(register) == {"1": True, "2": True}

    client.force_login(users["prd_liaison"])
    assert _forms_by_code(client.get(reverse("tasks:list")).text) == {"1": True, "2": False}

    # Posting inline from the list answers the row, still with the form for the owner.
    task = requirement.tasks.get(code="1")
    response = client.post(
        reverse("tasks:progress", args=[task.pk]),
        {"progress": 30, "note": "进展", "show_requirement": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "已填报" in response.text and "progress-form" in response.text


@pytest.mark.parametrize("rows", [5, 50])
def test_task_list_page_queries(org, client, rows, django_assert_num_queries):
    _fill(org, _confirmed(org), rows)
    client.force_login(org["users"]["director"])
    with django_assert_num_queries(TASK_LIST_PAGE_QUERIES):
        response = client.get(reverse("tasks:list"))
    assert response.text.count('data-code="') == rows
