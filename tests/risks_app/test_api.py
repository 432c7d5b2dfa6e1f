import datetime

import pytest

from risks_app.models import Risk
from risks_app.services import risk_escalate, risk_resolve
from tasks_app.services import task_create

from .conftest import make_risk


def payload(running, users, departments, **overrides):
    data = {
        "requirement": running.pk,
        "kind": "issue",
        "description": "数据监测系统响应延迟",
        "impact": "medium",
        "owner_department": departments["DSN"].pk,
        "owner": users["dsn_liaison"].pk,
        "occurred_on": "2026-03-08",
        "planned_resolution": "2026-03-10",
    }
    data.update(overrides)
    return data


def test_create_and_read_every_template_field(api, running, users, departments):
    client = api.as_user(users["prd_liaison"])
    response = client.post("/api/v1/risks/", payload(running, users, departments), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "001"
    for field in (
        "kind",
        "description",
        "impact",
        "owner_department",
        "owner",
        "occurred_on",
        "planned_resolution",
        "actual_resolution",
        "measures",
        "result",
        "status",
        "task",
    ):
        assert field in body
    assert body["status"] == "open" and body["impact_display"] == "中"
    assert body["available_transitions"] == []  # a liaison of another department
    owner_view = api.as_user(users["dsn_liaison"]).get(f"/api/v1/risks/{body['id']}/").json()
    # Resolving needs measures and a date first, so only "start" is available now.
    assert owner_view["available_transitions"] == ["start"]


def test_bad_input_answers_field_errors_and_writes_nothing(api, running, users, departments):
    client = api.as_user(users["mkt_head"])
    bad = payload(running, users, departments, planned_resolution="2026-03-01", impact="huge")
    response = client.post("/api/v1/risks/", bad, format="json")
    assert response.status_code == 400
    assert "impact" in response.json()
    bad = payload(running, users, departments, planned_resolution="2026-03-01")
    response = client.post("/api/v1/risks/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["planned_resolution"] == ["计划解决时间不能早于发生时间"]
    assert not Risk.objects.exists()


def test_transitions_answer_409_and_403(api, org, running, users):
    risk = make_risk(org, running)
    owner = api.as_user(users["dsn_liaison"])
    response = owner.post(f"/api/v1/risks/{risk.pk}/resolve/", {}, format="json")
    assert response.status_code == 409
    assert "解决前请填写解决措施" in response.json()["reasons"]
    response = owner.post(
        f"/api/v1/risks/{risk.pk}/resolve/",
        {"measures": "升级服务器,优化数据接口", "actual_resolution": "2026-03-09"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "resolved" and response.json()["result"] == "已解决"
    assert owner.post(f"/api/v1/risks/{risk.pk}/close/").status_code == 403
    assert owner.post(f"/api/v1/risks/{risk.pk}/reopen/", {}, format="json").status_code == 400
    reopened = owner.post(f"/api/v1/risks/{risk.pk}/reopen/", {"reason": "复发"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert owner.post(f"/api/v1/risks/{risk.pk}/start/").status_code == 409
    history = owner.get(f"/api/v1/risks/{risk.pk}/history/").json()
    assert history[0]["reason"] == "复发"


def test_unseen_records_are_404(api, org, running, users, departments):
    risk = make_risk(org, running)
    outsider = api.as_user(users["tec_head"])
    assert outsider.get(f"/api/v1/risks/{risk.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/risks/{risk.pk}/start/").status_code == 404
    assert outsider.get("/api/v1/risks/").json()["count"] == 0
    response = outsider.post("/api/v1/risks/", payload(running, users, departments), format="json")
    assert response.status_code == 400 and "requirement" in response.json()
    # The partner sees only records of their company or their own.
    partner = api.as_user(users["cha_contact"])
    assert partner.get(f"/api/v1/risks/{risk.pk}/").status_code == 404
    own = make_risk(
        org, running, actor="cha_contact", owner_department=departments["CHA"], owner=None
    )
    assert [r["id"] for r in partner.get("/api/v1/risks/").json()["results"]] == [own.pk]


def test_filters(api, org, running, users, departments, clock):
    make_risk(org, running, impact="high", planned_resolution=datetime.date(2026, 3, 9))
    make_risk(
        org,
        running,
        impact="low",
        owner_department=departments["SAL"],
        owner=users["sal_liaison"],
        planned_resolution=datetime.date(2026, 3, 20),
    )
    done = make_risk(org, running, impact="high", planned_resolution=datetime.date(2026, 3, 9))
    risk_resolve(
        risk=done,
        actor=users["mkt_head"],
        measures="措施",
        actual_resolution=datetime.date(2026, 3, 9),
    )
    client = api.as_user(users["mkt_head"])

    def codes(**params):
        return [r["code"] for r in client.get("/api/v1/risks/", params).json()["results"]]

    assert codes(impact="high") == ["001", "003"]
    assert codes(status="resolved") == ["003"]
    assert codes(owner_department=departments["SAL"].pk) == ["002"]
    assert codes(overdue="true") == ["001"]
    assert codes(overdue="false") == ["002", "003"]
    assert codes(requirement=running.pk, kind="issue") == ["001", "002", "003"]
    assert client.get("/api/v1/risks/", {"impact": "huge"}).status_code == 400


def test_etag_guards_updates(api, org, running, users):
    risk = make_risk(org, running)
    client = api.as_user(users["dsn_liaison"])
    etag = client.get(f"/api/v1/risks/{risk.pk}/")["ETag"]
    ok = client.patch(
        f"/api/v1/risks/{risk.pk}/", {"measures": "重新设计"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200
    stale = client.patch(
        f"/api/v1/risks/{risk.pk}/", {"measures": "覆盖"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    risk.refresh_from_db()
    assert risk.measures == "重新设计"
    assert (
        api.as_user(users["prd_liaison"])
        .patch(f"/api/v1/risks/{risk.pk}/", {"measures": "x"}, format="json")
        .status_code
        == 403
    )


def test_special_meeting_escalation_and_reallocation_endpoints(
    api, org, running, users, departments
):
    task = task_create(
        requirement=running,
        actor=users["mkt_head"],
        name="宣传物料制作",
        owner_department=departments["DSN"],
        owner=users["dsn_liaison"],
        planned_start=datetime.date(2026, 3, 1),
        planned_end=datetime.date(2026, 3, 6),
    )
    risk = make_risk(org, running, task=task)
    owner = api.as_user(users["dsn_liaison"])
    response = owner.post(
        f"/api/v1/risks/{risk.pk}/special-meeting/",
        {
            "held_at": "2026-03-10T09:00:00+08:00",
            "departments": [departments["DSN"].pk, departments["MKT"].pk],
            "cause_category": "resources",
            "solution": "增加设计师",
            "recovery_plan": "3月12日交付",
            "recovery_deadline": "2026-03-12",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "special"
    assert response.json()["subject"] == {"type": "risks_app.risk", "id": risk.pk}
    bad = owner.post(
        f"/api/v1/risks/{risk.pk}/special-meeting/",
        {
            "held_at": "2026-03-10T09:00:00+08:00",
            "departments": [departments["DSN"].pk],
            "cause_category": "luck",
            "solution": "x",
            "recovery_plan": "y",
            "recovery_deadline": "2026-03-12",
        },
        format="json",
    )
    assert bad.status_code == 400 and "cause_category" in bad.json()
    assert owner.post(f"/api/v1/risks/{risk.pk}/escalate/", {"note": "x"}).status_code == 403
    leader = api.as_user(users["mkt_head"])
    response = leader.post(f"/api/v1/risks/{risk.pk}/escalate/", {"note": "设计资源不足"})
    assert response.status_code == 200 and response.json()["is_escalated"] is True
    coordinator = api.as_user(users["director"])
    response = coordinator.post(
        f"/api/v1/risks/{risk.pk}/reallocations/",
        {"task": task.pk, "planned_end": "2026-03-13", "reason": "延后一周"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()[0]["change"] == "dates"
    assert len(coordinator.get(f"/api/v1/risks/{risk.pk}/reallocations/").json()) == 1
    leader = api.as_user(users["mkt_head"])  # one client: switch its credentials
    assert (
        leader.post(
            f"/api/v1/risks/{risk.pk}/reallocations/",
            {"task": task.pk, "planned_end": "2026-03-14", "reason": "再延"},
            format="json",
        ).status_code
        == 403
    )


@pytest.mark.parametrize("count", [5, 50])
def test_list_endpoint_queries_do_not_grow(
    api, org, running, users, departments, count, django_assert_num_queries
):
    task = task_create(
        requirement=running,
        actor=users["mkt_head"],
        name="宣传物料制作",
        owner_department=departments["DSN"],
        owner=users["dsn_liaison"],
        planned_start=datetime.date(2026, 3, 1),
        planned_end=datetime.date(2026, 3, 6),
    )
    for index in range(count):
        risk = make_risk(org, running, task=task if index % 2 else None)
        if index % 7 == 0:
            risk_escalate(risk=risk, actor=users["mkt_head"], note="需要支援")
    client = api.as_user(users["mkt_head"])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/v1/risks/", {"page_size": 100})
    assert response.json()["count"] == count


# token, department of the caller, count, rows, group members of the requirement
LIST_QUERIES = 5
