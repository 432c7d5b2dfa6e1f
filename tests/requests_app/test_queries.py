"""The requirement list page and endpoint run a constant number of queries: 5 rows cost
what 50 rows cost, for the coordinator (who may act on every row, so each row's transition
conditions are evaluated) and for a department head."""

import pytest
from django.urls import reverse

from requests_app import services
from requests_app.selectors import review_slots
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.django_db

# Measured: queries for one request, the same for 5 and for 50 rows.
# The page shows no transitions, so it reads no lifecycle data; the endpoint reads each
# row's tasks, plans and acceptances as aggregate subqueries, never as prefetched rows.
PAGE_QUERIES = {"director": 7, "prd_head": 8}
API_QUERIES = {"director": 6, "prd_head": 7}


def make_rows(org, count: int, start: int = 0) -> None:
    """Rows in every state the register has, with sign-offs and groups."""
    director = org["users"]["director"]
    for index in range(start, start + count):
        requirement = make_requirement(org, topic=f"需求{index}")
        kind = index % 5
        if kind == 1:  # under review, partly signed
            slot = review_slots(requirement)[1]
            services.requirement_sign(
                requirement=requirement,
                actor=slot.signers[0],
                decision="approve",
                department=slot.department,
            )
        elif kind == 2:
            services.requirement_reject(requirement=requirement, actor=director, reason="补充")
        elif kind in (3, 4):
            confirm_requirement(org, requirement)
            if kind == 4:
                form_group(org, requirement)


def measure_page(client, org, django_assert_num_queries, username, rows):
    client.force_login(org["users"][username])
    url = reverse("requirements:list")
    client.get(url)  # warm per-process caches (content types, session)
    with django_assert_num_queries(PAGE_QUERIES[username]):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count('<tr>\n    <td><a href="/requirements/') == min(rows, 20)


def measure_endpoint(api, org, django_assert_num_queries, username, rows, expected=None):
    client = api.as_user(org["users"][username])
    client.get("/api/v1/requirements/")
    with django_assert_num_queries(expected or API_QUERIES[username]):
        response = client.get("/api/v1/requirements/", {"page_size": 50})
    body = response.json()
    assert body["count"] == rows
    assert len(body["results"]) == rows
    return body


def test_list_queries_are_constant(client, api, org, django_assert_num_queries):
    """5 rows, then 50 rows: page and endpoint, as the coordinator and as a head, with
    every register's transition conditions installed (aggregates, not prefetches)."""
    make_rows(org, 5)
    for rows in (5, 50):
        if rows == 50:
            make_rows(org, 45, start=5)
        for username in ("director", "prd_head"):
            measure_page(client, org, django_assert_num_queries, username, rows)
            body = measure_endpoint(api, org, django_assert_num_queries, username, rows)
        director = api.as_user(org["users"]["director"]).get("/api/v1/requirements/").json()
        actions = {tuple(r["available_transitions"]) for r in director["results"]}
        # Confirmed rows cannot start yet: no tasks (tasks_app's condition).
        assert actions == {("reject",), ("resubmit",), ()}
        assert all(r["available_transitions"] == [] for r in body["results"])  # prd_head


def test_list_queries_with_only_the_register_conditions(
    client, api, org, django_assert_num_queries, foundation_conditions
):
    """The register's own conditions (sign-offs, group) let a grouped row show `start`.
    Conditions over tasks and acceptances are subqueries of the list query itself."""
    make_rows(org, 5)
    body = measure_endpoint(api, org, django_assert_num_queries, "director", 5, expected=6)
    actions = {tuple(r["available_transitions"]) for r in body["results"]}
    assert actions == {("reject",), ("resubmit",), ("start",), ()}
