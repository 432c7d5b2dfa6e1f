"""The small scale fixture (5,000 tasks, one requirement with 2,000) through every list
endpoint and the pages of the big requirement. Each list costs the same number of
queries for 5 rows and for 50, and reads a number of rows bounded by the page, so a
return to per-row queries or to prefetching every task of the listed rows fails here.
Query and row counts only: no timings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.scale_data import SMALL, build
from tasks_app.models import Task
from tests.conftest import require_postgres

pytestmark = pytest.mark.django_db

# Queries of one list request (token auth), the same for 5 and for 50 rows.
ENDPOINTS = {
    "/api/v1/requirements/": 7,
    "/api/v1/tasks/": 10,  # with the plan marks: critical path, latest baselines
    "/api/v1/risks/": 4,
    "/api/v1/meetings/": 6,
    "/api/v1/plans/": 6,
    "/api/v1/notifications/": 3,
}
ROWS_PER_ROW = 12  # database rows a list may read per row it shows (prefetches included)


class RowsRead:
    """Rows the database answered, summed over every statement (an execute wrapper)."""

    def __init__(self):
        self.rows = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        cursor = context["cursor"]
        if sql.lstrip().upper().startswith("SELECT") and cursor.rowcount and cursor.rowcount > 0:
            self.rows += cursor.rowcount
        return result


def measure(client, url):
    counter = RowsRead()
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries), counter.rows, response


@pytest.fixture
def scale():
    require_postgres()
    counts = build(SMALL, log=lambda *args: None)
    from collab.accounts.models import User
    from requests_app.models import Requirement

    big = Requirement.objects.get(topic="大型需求")
    return {"counts": counts, "director": User.objects.get(username="scale_director"), "big": big}


def test_fixture_has_what_it_promises(scale):
    counts = scale["counts"]
    assert counts["tasks"] == SMALL.tasks
    assert counts["requirements"] == SMALL.requirements
    assert counts["risks"] == SMALL.risks
    assert counts["meetings"] == SMALL.meetings
    assert counts["users"] == SMALL.users + 1
    assert counts["dependencies"] > SMALL.tasks * 0.9
    assert counts["progress_updates"] > 0 and counts["history tasks_app.Task"] == SMALL.tasks
    assert scale["big"].tasks.count() == SMALL.big_requirement_tasks


def test_list_endpoints_cost_the_page(scale, api):
    client = api.as_user(scale["director"])
    measured, rows_read = {}, {}
    for url in ENDPOINTS:
        client.get(url)  # per-process caches
        few, _rows, response = measure(client, f"{url}?page_size=5")
        assert len(response.json()["results"]) == 5
        many, rows, response = measure(client, f"{url}?page_size=50")
        body = response.json()
        assert len(body["results"]) == 50, url
        assert body["count_exact"] is True
        measured[url], rows_read[url] = (few, many), rows
    assert measured == {url: (pinned, pinned) for url, pinned in ENDPOINTS.items()}
    assert all(rows <= 50 * ROWS_PER_ROW for rows in rows_read.values()), rows_read


def test_cursor_walks_every_task_in_id_order(scale, api):
    client = api.as_user(scale["director"])
    seen, url, pages = [], "/api/v1/tasks/?pagination=cursor&page_size=500", 0
    while url:
        queries, _rows, response = measure(client, url)
        body = response.json()
        assert "count" not in body
        seen.extend(row["id"] for row in body["results"])
        url, pages = body["next"], pages + 1
        assert queries <= ENDPOINTS["/api/v1/tasks/"]
    assert pages == SMALL.tasks // 500
    assert seen == sorted(seen) and len(set(seen)) == SMALL.tasks


def test_big_requirement_pages_read_what_they_show(scale, client):
    """Kanban, weekly view and Gantt of the requirement with 2,000 tasks read far
    fewer rows than it has tasks; the kanban shows 50 cards per column with counts."""
    client.force_login(scale["director"])
    big = scale["big"]
    limits = {
        reverse("tasks:kanban", args=[big.pk]): 600,
        reverse("tasks:weekly", args=[big.pk]): 600,
        reverse("tasks:gantt", args=[big.pk]): 600,
        reverse("tasks:register", args=[big.pk]): 600,
        reverse("requirements:detail", args=[big.pk]): 600,
        reverse("requirements:list"): 600,
    }
    # The Gantt also marks the critical path, which needs every task's dates and every
    # dependency of the requirement: two narrow reads of the whole plan, no more.
    plan = Task.objects.filter(requirement=big).count()
    plan += Task.depends_on.through.objects.filter(from_task__requirement=big).count()
    limits[reverse("tasks:gantt", args=[big.pk])] += plan
    for url, limit in limits.items():
        client.get(url)
        _queries, rows, response = measure(client, url)
        assert rows < limit, (url, rows)
    kanban = client.get(reverse("tasks:kanban", args=[big.pk])).content.decode()
    assert kanban.count('class="kanban-card') <= 5 * 50
    assert 'hx-get="/tasks/requirement/' in kanban


def test_gantt_endpoint_in_windows(scale, api):
    client = api.as_user(scale["director"])
    big = scale["big"]
    url = f"/api/v1/requirements/{big.pk}/gantt/"
    first = client.get(url).json()
    assert len(first["tasks"]) == 500 and first["next_offset"] == 500
    total, offset, ids = first["total"], 0, []
    while offset is not None:
        queries, _rows, response = measure(client, f"{url}?offset={offset}&limit=500")
        page = response.json()
        ids.extend(t["id"] for t in page["tasks"])
        offset = page["next_offset"]
        assert queries <= 11  # the window and its count, baselines, the critical path
    assert len(ids) == len(set(ids)) == total
    groups = client.get(url, {"groups": "true"}).json()["tasks"]
    assert sum(int(g["name"].split("（")[1].split(" ")[0]) for g in groups) == total
