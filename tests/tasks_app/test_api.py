import datetime

import pytest
import time_machine

from tasks_app.models import Task, TaskStatus

from .conftest import make_task

TODAY = datetime.datetime(2024, 8, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def leader_api(api, tasks_seed):
    return api.as_user(tasks_seed["users"]["mkt_head"])


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_list_has_the_register_fields_and_delay(leader_api, tasks_seed):
    with time_machine.travel(TODAY, tick=False):
        response = leader_api.get("/api/v1/tasks/", {"requirement": tasks_seed["requirement"].pk})
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert list(rows) == ["1.1", "1.2", "2.1", "3.1"]
    row = rows["3.1"]
    assert row["delay_days"] == 1 and row["is_overdue"] is False
    assert row["actual_end"] == "2024-07-31" and row["status"] == "done"
    assert rows["2.1"]["status"] == "blocked" and rows["2.1"]["is_overdue"] is True
    assert rows["2.1"]["delay_days"] == 5
    assert rows["2.1"]["latest_note"] == "物料设计完成80%,预计7月25日交付"
    assert set(rows["2.1"]["available_transitions"]) == {"unblock", "cancel"}


def test_filters(leader_api, tasks_seed):
    departments, users = tasks_seed["departments"], tasks_seed["users"]
    with time_machine.travel(TODAY, tick=False):
        assert codes(leader_api.get("/api/v1/tasks/", {"overdue": "true"})) == ["2.1"]
        overdue_false = codes(leader_api.get("/api/v1/tasks/", {"overdue": "false"}))
    assert overdue_false == ["1.1", "1.2", "3.1"]
    assert codes(leader_api.get("/api/v1/tasks/", {"status": "blocked"})) == ["2.1"]
    assert codes(leader_api.get("/api/v1/tasks/", {"priority": "P1"})) == ["2.1"]
    response = leader_api.get("/api/v1/tasks/", {"owner_department": departments["SAL"].pk})
    assert codes(response) == ["3.1"]
    response = leader_api.get("/api/v1/tasks/", {"owner": users["prd_liaison"].pk})
    assert codes(response) == ["1.2"]
    response = leader_api.get(
        "/api/v1/tasks/",
        {"planned_end_after": "2024-07-25", "planned_end_before": "2024-07-30"},
    )
    assert codes(response) == ["1.1", "3.1"]
    assert leader_api.get("/api/v1/tasks/", {"status": "nope"}).status_code == 400
    assert leader_api.get("/api/v1/tasks/", {"planned_end_before": "x"}).status_code == 400


def test_ordering(leader_api):
    with time_machine.travel(TODAY, tick=False):
        assert codes(leader_api.get("/api/v1/tasks/", {"ordering": "-delay_days"}))[:2] == [
            "2.1",
            "3.1",
        ]
    assert codes(leader_api.get("/api/v1/tasks/", {"ordering": "planned_end"})) == [
        "1.2",
        "1.1",
        "3.1",
        "2.1",
    ]
    assert codes(leader_api.get("/api/v1/tasks/", {"ordering": "-code"})) == [
        "3.1",
        "2.1",
        "1.2",
        "1.1",
    ]
    assert codes(leader_api.get("/api/v1/tasks/", {"ordering": "-priority,code"}))[0] == "2.1"


def test_unseen_tasks_answer_404(api, tasks_seed):
    task = tasks_seed["tasks"]["1.1"]
    client = api.as_user(tasks_seed["users"]["ops_staff"])
    assert client.get("/api/v1/tasks/").json()["count"] == 0
    assert client.get(f"/api/v1/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/api/v1/tasks/{task.pk}/cancel/", {"reason": "x"}).status_code == 404
    requirement = tasks_seed["requirement"]
    assert client.get(f"/api/v1/requirements/{requirement.pk}/gantt/").status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/tasks/").status_code == 401


def test_create_update_and_errors(api, org, confirmed):
    users, departments = org["users"], org["departments"]
    client = api.as_user(users["mkt_head"])
    body = {
        "requirement": confirmed.pk,
        "code": "1.1",
        "name": "活动方案设计",
        "owner_department": departments["PRD"].pk,
        "owner": users["prd_liaison"].pk,
        "collaborating_departments": [departments["SAL"].pk],
        "collaborators": [users["sal_liaison"].pk],
        "planned_start": "2026-12-01",
        "planned_end": "2027-03-10",
        "deliverable": "《方案》",
        "priority": "P0",
    }
    response = client.post("/api/v1/tasks/", body)
    assert response.status_code == 201, response.json()
    task_id = response.json()["id"]
    response = client.post("/api/v1/tasks/", body)
    assert response.status_code == 400
    assert "任务ID 1.1 在本需求中已存在" in response.json()["code"]
    response = client.post("/api/v1/tasks/", {**body, "code": "2", "planned_end": "2026-11-01"})
    assert response.status_code == 400 and "planned_end" in response.json()
    response = client.post("/api/v1/tasks/", {**body, "code": "2", "progress": 101})
    assert response.status_code == 400
    # a requirement the caller cannot see looks like one that does not exist
    stranger = api.as_user(users["ops_staff"])
    response = stranger.post("/api/v1/tasks/", {**body, "code": "3"})
    assert response.status_code == 400 and "requirement" in response.json()
    # visible but not allowed: 403
    response = api.as_user(users["sal_liaison"]).post("/api/v1/tasks/", {**body, "code": "4"})
    assert response.status_code == 403
    assert Task.objects.filter(requirement=confirmed).count() == 1

    client = api.as_user(users["mkt_head"])
    detail = client.get(f"/api/v1/tasks/{task_id}/")
    etag = detail["ETag"]
    assert any("晚于需求结束日期" in w for w in detail.json()["warnings"])
    response = client.patch(f"/api/v1/tasks/{task_id}/", {"name": "方案设计"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["name"] == "方案设计"
    response = client.patch(f"/api/v1/tasks/{task_id}/", {"name": "x"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    response = api.as_user(users["sal_liaison"]).patch(f"/api/v1/tasks/{task_id}/", {"name": "y"})
    assert response.status_code == 403
    history = client.get(f"/api/v1/tasks/{task_id}/history/").json()
    assert history[0]["changes"][0]["new"] == "方案设计"


def test_transitions_and_updates(api, org, running):
    users = org["users"]
    task = running["first"]
    owner = api.as_user(users["prd_liaison"])
    url = f"/api/v1/tasks/{task.pk}"
    response = owner.post(f"{url}/finish/")
    assert response.status_code == 409 and response.json()["reasons"]
    assert owner.post(f"{url}/start/").json()["status"] == "in_progress"
    assert owner.post(f"{url}/block/", {"reason": ""}).status_code == 400
    assert owner.post(f"{url}/block/", {"reason": "等待"}).json()["status"] == "blocked"
    assert owner.post(f"{url}/unblock/").json()["status"] == "in_progress"
    response = owner.post(f"{url}/updates/", {"progress": 60, "note": "过半"})
    assert response.status_code == 201
    assert owner.post(f"{url}/updates/", {"progress": 160, "note": "x"}).status_code == 400
    response = api.as_user(users["sal_liaison"]).post(
        f"{url}/updates/", {"kind": "comment", "note": "收到"}
    )
    assert response.status_code == 201
    owner = api.as_user(users["prd_liaison"])  # one client: switch back to the owner
    notes = [u["note"] for u in owner.get(f"{url}/updates/").json()["results"]]
    assert notes == ["收到", "过半"]
    response = owner.post(f"{url}/finish/", {"actual_end": "2026-11-20"})
    assert response.json()["status"] == "done" and response.json()["actual_end"] == "2026-11-20"
    assert response.json()["progress"] == 100
    assert owner.post(f"{url}/reopen/", {"reason": "返工"}).status_code == 403
    leader = api.as_user(users["mkt_head"])
    assert leader.post(f"{url}/reopen/", {"reason": "返工"}).json()["status"] == "in_progress"
    response = leader.post(f"{url}/cancel/", {"reason": "变更"})
    assert response.json()["status"] == TaskStatus.CANCELLED
    response = leader.post(
        f"/api/v1/tasks/{running['second'].pk}/reschedule/",
        {"planned_start": "2026-12-03", "planned_end": "2026-12-01"},
    )
    assert response.status_code == 400


def test_gantt_endpoint(leader_api, tasks_seed):
    requirement = tasks_seed["requirement"]
    with time_machine.travel(TODAY, tick=False):
        response = leader_api.get(f"/api/v1/requirements/{requirement.pk}/gantt/")
    data = response.json()
    assert response.status_code == 200 and data["today"] == "2024-08-10"
    assert [t["code"] for t in data["tasks"]] == ["1.1", "1.2", "2.1", "3.1"]
    blocked = data["tasks"][2]
    assert "bar-blocked" in blocked["custom_class"] and "bar-late" in blocked["custom_class"]
    assert blocked["dependencies"] == data["tasks"][0]["id"]
    assert leader_api.get("/api/v1/requirements/999999/gantt/").status_code == 404


def test_plans_api(api, org, confirmed):
    users = org["users"]
    task = make_task(org, confirmed, "1")
    owner = api.as_user(users["prd_liaison"])
    response = owner.post(
        "/api/v1/plans/",
        {
            "requirement": confirmed.pk,
            "task": task.pk,
            "title": "物料方案",
            "body": "步骤",
            "budget_amount": "3.5",
            "budget_unit": "wan_yuan",
        },
    )
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]
    assert response.json()["resources"]["budget_unit_display"] == "万元"
    assert owner.post("/api/v1/plans/", {"requirement": confirmed.pk}).status_code == 400
    assert owner.post(f"/api/v1/plans/{plan_id}/approve/").status_code == 409
    assert owner.post(f"/api/v1/plans/{plan_id}/submit/").json()["status"] == "in_review"
    signoffs = owner.get(f"/api/v1/plans/{plan_id}/signoffs/").json()
    assert len(signoffs["missing"]) == 3
    leader = api.as_user(users["mkt_head"])
    assert leader.post(f"/api/v1/plans/{plan_id}/approve/").status_code == 409
    owner = api.as_user(users["prd_liaison"])
    signoffs = owner.get(f"/api/v1/plans/{plan_id}/signoffs/").json()
    for slot in signoffs["slots"]:
        from collab.accounts.models import User

        signer = api.as_user(User.objects.get(pk=slot["signers"][0]))
        response = signer.post(
            f"/api/v1/plans/{plan_id}/signoffs/",
            {"decision": "approve", "department": slot["department"]},
        )
        assert response.status_code == 201
    response = api.as_user(users["sal_head"]).post(
        f"/api/v1/plans/{plan_id}/comments/", {"body": "预算合理"}
    )
    assert response.status_code == 201
    owner = api.as_user(users["prd_liaison"])
    assert owner.post(f"/api/v1/plans/{plan_id}/approve/").status_code == 403
    leader = api.as_user(users["mkt_head"])
    assert leader.post(f"/api/v1/plans/{plan_id}/approve/").json()["status"] == "approved"
    response = leader.post(f"/api/v1/plans/{plan_id}/revise/", {"reason": "调整"})
    assert response.json()["version"] == 2
    owner = api.as_user(users["prd_liaison"])
    assert [v["version"] for v in owner.get(f"/api/v1/plans/{plan_id}/versions/").json()] == [1]
    assert api.as_user(users["ops_staff"]).get(f"/api/v1/plans/{plan_id}/").status_code == 404
