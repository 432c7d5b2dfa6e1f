"""Template 2 (task register): the seed's rows import, statuses go through transitions."""

import pytest

from requests_app.services import requirement_start
from tasks_app.models import Task
from tests.spreadsheets.helpers import (
    SEED_TASK_ROWS,
    TASK_HEADERS,
    import_and_confirm,
    import_into,
    read,
    response_bytes,
    seed_like_requirement,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def _statuses(requirement):
    return dict(Task.objects.filter(requirement=requirement).values_list("code", "status"))


def test_seed_task_rows_import_and_reimport_sets_statuses(org, api):
    requirement = seed_like_requirement(org)
    leader = org["users"]["mkt_head"]
    data = xlsx_bytes(TASK_HEADERS, SEED_TASK_ROWS, title="任务分工与进度跟踪表")

    first = import_and_confirm(api, leader, requirement, "tasks", data)
    assert [row["action"] for row in first["rows"]] == ["create"] * 4
    # Before the requirement runs, tasks cannot start: statuses come back as warnings.
    assert "需求开始执行后才能开始任务" in first["rows"][0]["warnings"][-1]["message"]
    assert set(_statuses(requirement).values()) == {"not_started"}
    task = Task.objects.get(requirement=requirement, code="1.1")
    assert task.owner == org["users"]["mkt_staff"]
    assert [u.username for u in task.collaborators.all()] == ["prd_liaison"]
    assert [d.code for d in task.collaborating_departments.all()] == ["PRD"]

    requirement_start(requirement=requirement, actor=leader)
    second = import_into(api, leader, requirement, "tasks", data).data
    assert [row["action"] for row in second["rows"]] == ["update"] * 4
    warned = {row["row"]: row["warnings"] for row in second["rows"] if row["warnings"]}
    assert list(warned) == [4]  # task 2.1 only: blocked yet with an actual finish date
    assert warned[4][0]["column"] == "实际完成时间"
    assert "阻塞" in warned[4][0]["message"]
    assert api.post(f"/api/v1/imports/{second['id']}/confirm/").status_code == 200
    assert _statuses(requirement) == {
        "1.1": "done",
        "1.2": "done",
        "2.1": "blocked",
        "3.1": "done",
    }
    finished = Task.objects.get(requirement=requirement, code="3.1")
    assert finished.actual_end.isoformat() == "2024-07-31"
    assert Task.objects.get(requirement=requirement, code="2.1").actual_end is None
    assert Task.objects.filter(requirement=requirement).count() == 4


def test_duplicate_task_ids_in_file_are_errors(org, api):
    requirement = seed_like_requirement(org)
    rows = [SEED_TASK_ROWS[0], list(SEED_TASK_ROWS[1])]
    rows[1][0] = "1.1"
    response = import_into(
        api, org["users"]["mkt_head"], requirement, "tasks", xlsx_bytes(TASK_HEADERS, rows)
    )
    assert response.data["valid"] is False
    errors = response.data["rows"][1]["errors"]
    assert errors == [{"column": "任务ID", "message": "“1.1”在文件中重复（第 2 行已出现）"}]
    assert api.post(f"/api/v1/imports/{response.data['id']}/confirm/").status_code == 409
    assert not Task.objects.filter(requirement=requirement).exists()


def test_task_export_of_a_requirement(seed, api):
    requirement = seed["requirement"]
    api.as_user(seed["users"]["mkt_head"])
    response = api.get("/api/v1/tasks/export.xlsx", {"requirement": requirement.pk})
    assert response.status_code == 200
    rows = list(read(response_bytes(response)).active.iter_rows(values_only=True))
    assert list(rows[0][:10]) == TASK_HEADERS
    assert [r[0] for r in rows[1:]] == ["1.1", "1.2", "2.1", "3.1"]
    assert {r[7] for r in rows[1:]} <= {"未开始", "进行中", "已完成", "阻塞", "已取消"}


def test_member_without_rights_gets_row_errors_not_writes(org, api):
    requirement = seed_like_requirement(org)
    data = xlsx_bytes(TASK_HEADERS, SEED_TASK_ROWS[:1])
    response = import_into(api, org["users"]["ops_staff"], requirement, "tasks", data)
    # ops_staff cannot see the requirement at all.
    assert response.status_code == 404
    response = import_into(api, org["users"]["prd_liaison"], requirement, "tasks", data)
    assert response.data["valid"] is False
    assert "您不能为该部门分解任务" in response.data["rows"][0]["errors"][0]["message"]


def test_task_export_applies_list_filters_and_visibility(seed, api):
    task = Task.objects.get(requirement=seed["requirement"], code="1.2")
    api.as_user(seed["users"]["director"])
    response = api.get("/api/v1/tasks/export.csv", {"status": "done"})
    lines = response_bytes(response).decode("utf-8-sig").splitlines()
    assert len(lines) == 5  # header + the seed's four finished tasks
    assert all(",已完成," in line for line in lines[1:])
    assert task.code in "".join(lines)
    blocked = api.get("/api/v1/tasks/export.csv", {"status": "blocked"})
    assert response_bytes(blocked).decode("utf-8-sig").splitlines()[1:] == []
    api.as_user(seed["users"]["ops_head"])
    response = api.get("/api/v1/tasks/export.csv")
    assert response_bytes(response).decode("utf-8-sig").splitlines()[1:] == []
