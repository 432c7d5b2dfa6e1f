"""REST API under /api/v1/reviews/: acceptances, retrospectives, metrics, improvements."""

import datetime

import pytest

from reviews_app.acceptance import services as acceptance_services
from reviews_app.models import Retrospective
from reviews_app.retrospective import services as retrospective_services

from .conftest import bulk_retrospectives, run_acceptance

URL = "/api/v1/reviews/"


def _criterion(org, requirement):
    return acceptance_services.criterion_add(
        requirement=requirement, actor=org["users"]["mkt_staff"], text="方案含预算明细"
    )


def _post_acceptance(api, org, requirement, **overrides):
    departments = org["departments"]
    body = {
        "requirement": requirement.pk,
        "acceptance_date": "2026-11-20",
        "acceptance_departments": [departments["MKT"].pk, departments["SAL"].pk],
        "quality_rating": "excellent",
        "quality_comment": "方案执行到位,数据完整",
    }
    body.update(overrides)
    return api.post(f"{URL}acceptances/", body, format="json")


def test_acceptance_flow_through_the_api(api, org, running):
    users = org["users"]
    _criterion(org, running)
    client = api.as_user(users["mkt_staff"])
    response = _post_acceptance(client, org, running)
    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "draft" and data["attempt"] == 1
    assert [d["task_code"] for d in data["deliverables"]] == ["1.1"]
    assert {s["label"] for s in data["signoff_slots"]} == {"市场部负责人", "销售部负责人"}
    pk, result_id = data["id"], data["results"][0]["id"]

    # Submitting before judging answers 409 with the reasons.
    response = client.post(f"{URL}acceptances/{pk}/submit/")
    assert response.status_code == 409
    assert any("尚未判定" in r for r in response.data["reasons"])

    detail = client.get(f"{URL}acceptances/{pk}/")
    etag = detail["ETag"]
    response = client.patch(
        f"{URL}acceptances/{pk}/",
        {
            "result_updates": [{"id": result_id, "passed": True, "comment": "完整"}],
            "deliverables": [{"name": "《推广活动总结报告》", "note": "终版"}],
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.data
    assert response.data["results"][0]["passed"] is True
    assert [d["name"] for d in response.data["deliverables"]] == ["《推广活动总结报告》"]
    # The old ETag is stale now.
    stale = client.patch(
        f"{URL}acceptances/{pk}/", {"quality_comment": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412

    assert client.post(f"{URL}acceptances/{pk}/submit/").status_code == 200
    # Signing: the SAL liaison may not sign for SAL; the head may.
    sal = org["departments"]["SAL"].pk
    liaison = api.as_user(users["sal_liaison"])
    refused = liaison.post(
        f"{URL}acceptances/{pk}/signoffs/", {"decision": "approve", "department": sal}
    )
    assert refused.status_code == 403
    for username in ("mkt_head", "sal_head"):
        response = api.as_user(users[username]).post(
            f"{URL}acceptances/{pk}/signoffs/", {"decision": "approve"}
        )
        assert response.status_code == 201, response.data
    assert response.data["missing"] == []
    response = api.as_user(users["mkt_staff"]).post(f"{URL}acceptances/{pk}/accept/")
    assert response.status_code == 200
    assert response.data["status"] == "passed"
    history = client.get(f"{URL}acceptances/{pk}/history/")
    assert history.status_code == 200
    assert [h["reason"] for h in history.data][:2] == ["验收通过", "提交验收签字"]


def test_bad_acceptance_input_is_a_field_error(api, org, running):
    _criterion(org, running)
    client = api.as_user(org["users"]["mkt_staff"])
    response = _post_acceptance(
        client, org, running, acceptance_departments=[org["departments"]["OPS"].pk]
    )
    assert response.status_code == 400
    assert "departments" in response.data
    response = _post_acceptance(client, org, running, quality_rating="great")
    assert response.status_code == 400 and "quality_rating" in response.data
    assert not running.acceptances.exists()


def test_forbidden_transition_is_403_and_unseen_is_404(api, org, running):
    users = org["users"]
    _criterion(org, running)
    acceptance = acceptance_services.acceptance_create(
        requirement=running,
        actor=users["mkt_staff"],
        accepted_on=datetime.date(2026, 11, 20),
        departments=[org["departments"]["MKT"]],
    )
    response = api.as_user(users["sal_liaison"]).post(f"{URL}acceptances/{acceptance.pk}/submit/")
    assert response.status_code == 403
    outsider = api.as_user(users["ops_staff"])
    assert outsider.get(f"{URL}acceptances/{acceptance.pk}/").status_code == 404
    assert outsider.post(f"{URL}acceptances/{acceptance.pk}/submit/").status_code == 404
    assert outsider.get(f"{URL}acceptances/").data["count"] == 0
    # Filing an acceptance on an unseen requirement: the requirement "does not exist".
    response = _post_acceptance(outsider, org, running)
    assert response.status_code == 400 and "requirement" in response.data


def test_retrospective_metrics_and_confirmation(api, org, running):
    users = org["users"]
    retrospective = run_acceptance(org, running).retrospective
    client = api.as_user(users["mkt_head"])
    url = f"{URL}retrospectives/{retrospective.pk}/"
    response = client.patch(
        url,
        {
            "held_on": "2026-11-25",
            "reviewer": users["mkt_staff"].pk,
            "metrics": [
                {"name": "销售额", "unit": "万元", "target": "500", "actual": "520"},
                {"name": "用户参与量", "unit": "万人次", "target": "12", "actual": "15"},
                {"name": "新增门店", "unit": "家", "target": "50", "actual": "30"},
            ],
            "highlights": ["跨部门周例会机制高效,信息同步及时"],
            "problems": ["数据监测反馈延迟,影响实时决策"],
        },
        format="json",
    )
    assert response.status_code == 200, response.data
    metrics = {m["name"]: (m["achievement_rate"], m["phrase"]) for m in response.data["metrics"]}
    assert metrics == {
        "销售额": ("104.00", "超额4%"),
        "用户参与量": ("125.00", "超额25%"),
        "新增门店": ("60.00", "未达成，差20家"),
    }
    assert response.data["acceptance_date"] == "2026-11-20"
    assert response.data["due_on"] == "2026-11-27"
    assert response.data["highlights"] == ["跨部门周例会机制高效,信息同步及时"]

    bad = client.patch(
        url, {"metrics": [{"name": "x", "target": "0", "actual": "1"}]}, format="json"
    )
    assert bad.status_code == 400 and "target" in bad.data
    assert Retrospective.objects.get(pk=retrospective.pk).metrics.count() == 3

    improvement = client.post(
        f"{URL}improvements/",
        {
            "retrospective": retrospective.pk,
            "action": "建立数据日报机制",
            "owner": users["tec_staff"].pk,
            "due_date": "2026-12-31",
        },
        format="json",
    )
    assert improvement.status_code == 201, improvement.data
    assert improvement.data["owner_department"] == org["departments"]["TEC"].pk

    # Only the leader confirms; anyone else gets 403.
    assert api.as_user(users["director"]).post(f"{url}confirm/").status_code == 403
    response = api.as_user(users["mkt_head"]).post(f"{url}confirm/")
    assert response.status_code == 200 and response.data["status"] == "confirmed"
    assert api.as_user(users["mkt_head"]).post(f"{url}confirm/").status_code == 409

    # Shared: any internal user reads it and records a receipt; partners do not see it
    # unless they took part.
    reader = api.as_user(users["ops_staff"])
    assert reader.get(url).status_code == 200
    assert reader.post(f"{url}reads/").status_code == 201
    receipts = {r["user_display"]: r["read_at"] for r in reader.get(f"{url}reads/").data}
    assert receipts[users["ops_staff"].label] is not None
    assert receipts[users["tec_head"].label] is None
    assert reader.patch(url, {"summary": "x"}, format="json").status_code == 403


def test_improvement_transitions(api, org, running):
    users = org["users"]
    retrospective = run_acceptance(org, running).retrospective
    action = retrospective_services.improvement_add(
        retrospective=retrospective,
        actor=users["mkt_head"],
        data={
            "action": "日报",
            "owner": users["tec_staff"],
            "due_date": datetime.date(2026, 12, 1),
        },
    )
    url = f"{URL}improvements/{action.pk}/"
    assert api.as_user(users["ops_staff"]).get(url).status_code == 404  # draft: not shared
    owner = api.as_user(users["tec_staff"])
    assert sorted(owner.get(url).data["available_transitions"]) == ["finish", "start"]
    response = owner.post(f"{url}finish/", {"result": "已上线"}, format="json")
    assert response.status_code == 200
    assert response.data["status"] == "done"
    assert owner.post(f"{url}reopen/", {"reason": ""}, format="json").status_code == 400
    assert owner.post(f"{url}start/").status_code == 409
    listing = api.as_user(users["mkt_head"]).get(f"{URL}improvements/?status=done")
    assert listing.data["count"] == 1


@pytest.mark.parametrize(
    ("endpoint", "username"),
    [
        ("retrospectives/", "prd_head"),
        ("retrospectives/?department={TEC}&q=数据", "ops_head"),
        ("improvements/", "tec_staff"),
        ("acceptances/", "director"),
        ("metrics/", "prd_head"),
    ],
)
def test_list_endpoints_run_constant_queries(
    api, org, django_assert_num_queries, endpoint, username
):
    user = org["users"][username]
    client = api.as_user(user)
    url = URL + endpoint.format(TEC=org["departments"]["TEC"].pk)
    bulk_retrospectives(org, 5, prefix="2025-MKT")
    client.get(url)  # warm caches (content types, token)
    response = client.get(url)
    assert response.data["count"] in (5, 10)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        client.get(url)
    bulk_retrospectives(org, 45, prefix="2025-PRD")
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(url + ("&" if "?" in url else "?") + "page_size=100")
    assert response.data["count"] in (50, 100)


def test_failed_acceptance_is_filed_again_and_the_requirement_completes(api, org, running):
    """After a `fail` the API files attempt 2, and the requirement completes through it."""
    users = org["users"]
    _criterion(org, running)
    staff, leader = api.as_user(users["mkt_staff"]), None
    first = _post_acceptance(staff, org, running).data
    leader = api.as_user(users["mkt_head"])
    response = leader.post(
        f"{URL}acceptances/{first['id']}/fail/",
        {
            "reason": "风险预案缺失",
            "rework": [
                {
                    "name": "补充风险预案",
                    "owner": users["prd_liaison"].pk,
                    "planned_start": "2026-12-01",
                    "planned_end": "2026-12-10",
                }
            ],
        },
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "failed"
    rework = running.tasks.get(name="补充风险预案")
    for transition in ("start", "finish"):
        response = leader.post(f"/api/v1/tasks/{rework.pk}/{transition}/")
        assert response.status_code == 200, response.data

    response = _post_acceptance(staff, org, running)
    assert response.status_code == 201, response.data
    second = response.data
    assert (second["attempt"], second["status"]) == (2, "draft")
    staff = api.as_user(users["mkt_staff"])
    etag = staff.get(f"{URL}acceptances/{second['id']}/")["ETag"]
    judged = [{"id": r["id"], "passed": True} for r in second["results"]]
    response = staff.patch(
        f"{URL}acceptances/{second['id']}/", {"result_updates": judged}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.data
    assert staff.post(f"{URL}acceptances/{second['id']}/submit/").status_code == 200
    for username in ("mkt_head", "sal_head"):
        response = api.as_user(users[username]).post(
            f"{URL}acceptances/{second['id']}/signoffs/", {"decision": "approve"}
        )
        assert response.status_code == 201, response.data
    response = api.as_user(users["mkt_staff"]).post(f"{URL}acceptances/{second['id']}/accept/")
    assert response.status_code == 200 and response.data["status"] == "passed"
    response = api.as_user(users["mkt_head"]).post(f"/api/v1/requirements/{running.pk}/complete/")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "completed"
    # A third acceptance is refused while one has passed: a field error, not a server error.
    response = _post_acceptance(api.as_user(users["mkt_staff"]), org, running)
    assert response.status_code == 400
