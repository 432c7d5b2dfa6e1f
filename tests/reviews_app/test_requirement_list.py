"""The requirement list evaluates `complete` for every in-progress row the coordinator
may act on: the acceptance and task conditions must not add queries per row."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _running_rows(org, count: int, start: int) -> None:
    """In-progress requirements, each with a done task and a passed acceptance, in bulk."""
    from requests_app.models import Requirement
    from reviews_app.models import Acceptance
    from tasks_app.models import Task

    users, departments = org["users"], org["departments"]
    day = datetime.date(2026, 1, 1)
    rows = Requirement.objects.bulk_create(
        Requirement(
            number=f"2026-MKT-{start + i + 1:03d}",
            initiating_department=departments["MKT"],
            contact=users["mkt_staff"],
            topic=f"执行中{i}",
            goal="目标",
            start_date=day,
            end_date=day,
            coordinator=users["director"],
            status="in_progress",
        )
        for i in range(count)
    )
    Task.objects.bulk_create(
        Task(
            requirement=r,
            code=code,
            code_sort=code.zfill(4),
            name="任务",
            owner_department=departments["MKT"],
            owner=users["mkt_staff"],
            planned_start=day,
            planned_end=day,
            status="done" if i % 2 or code == "1" else "in_progress",
        )
        for i, r in enumerate(rows)
        for code in ("1", "2")
    )
    Acceptance.objects.bulk_create(
        Acceptance(requirement=r, accepted_on=day, status="passed", created_by=users["mkt_staff"])
        for r in rows
    )


def test_requirement_list_with_in_progress_rows_is_constant(api, org):
    client = api.as_user(org["users"]["director"])
    counts = []
    for start, count in ((0, 5), (5, 45)):
        _running_rows(org, count, start)
        client.get("/api/v1/requirements/")
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/requirements/", {"page_size": 100}).json()
        counts.append(len(queries))
    assert body["count"] == 50
    completable = [r for r in body["results"] if "complete" in r["available_transitions"]]
    # Even-numbered rows of each batch keep task 2 in progress, so they cannot complete.
    assert len(completable) == 2 + 22
    assert counts[0] == counts[1], counts
