import datetime
import re

import pytest

from risks_app.models import Risk
from risks_app.services import risk_escalate, risk_resolve
from tasks_app.services import task_create

from .conftest import make_risk

TEMPLATE_3_COLUMNS = [
    "记录ID",
    "风险/问题描述",
    "影响等级",
    "责任部门/人",
    "发生时间",
    "计划解决时间",
    "实际解决时间",
    "解决措施",
    "处理结果",
]


@pytest.fixture
def browse(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def headers(html: str) -> list[str]:
    table = html[html.index('id="risks"') :]
    head = table[: table.index("</thead>")]
    return re.findall(r"<th>([^<]+)</th>", head)


def test_register_page_follows_template_3_and_shows_the_matrix(browse, org, running, users):
    make_risk(org, running, impact="high")
    make_risk(org, running, impact="high", planned_resolution=datetime.date(2026, 3, 20))
    resolved = make_risk(org, running, impact="low")
    risk_resolve(
        risk=resolved,
        actor=users["mkt_head"],
        measures="措施",
        actual_resolution=datetime.date(2026, 3, 3),
    )
    page = browse(users["mkt_head"]).get(f"/risks/requirement/{running.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert headers(html)[:9] == TEMPLATE_3_COLUMNS
    assert 'data-tab="risks"' in html
    matrix = page.context["matrix"]
    cells = {(r["impact"], c["status"]): c["count"] for r in matrix["rows"] for c in r["cells"]}
    assert cells[("high", "open")] == 2 and cells[("low", "resolved")] == 1
    assert matrix["total"] == 3
    assert [c["label"] for c in matrix["columns"]] == ["待处理", "处理中", "已解决", "已关闭"]
    assert "逾期" in html  # 001 planned 03-03, still open on 03-10


def test_register_filters(browse, org, running, users, departments):
    make_risk(org, running, impact="high")
    make_risk(
        org,
        running,
        impact="medium",
        owner_department=departments["SAL"],
        owner=users["sal_liaison"],
        planned_resolution=datetime.date(2026, 3, 20),
    )
    client = browse(users["mkt_head"])

    def codes(**params):
        page = client.get(f"/risks/requirement/{running.pk}/", params)
        return re.findall(r'data-risk="(\d+)"', page.content.decode())

    assert codes() == ["001", "002"]
    assert codes(impact="high") == ["001"]
    assert codes(owner_department=departments["SAL"].pk) == ["002"]
    assert codes(overdue="1") == ["001"]
    assert codes(status="resolved") == []
    assert codes(impact="nonsense") == ["001", "002"]


def test_record_form_saves_and_shows_errors_in_chinese(browse, running, users, departments):
    client = browse(users["prd_liaison"])
    assert client.get(f"/risks/requirement/{running.pk}/new/").status_code == 200
    data = {
        "kind": "risk",
        "description": "政策变化导致广告素材需调整",
        "impact": "medium",
        "owner_department": departments["PRD"].pk,
        "owner": users["prd_liaison"].pk,
        "occurred_on": "2026-03-09",
        "planned_resolution": "2026-03-05",
    }
    response = client.post(f"/risks/requirement/{running.pk}/new/", data)
    assert response.status_code == 200
    assert "计划解决时间不能早于发生时间" in response.content.decode()
    assert not Risk.objects.exists()
    data["planned_resolution"] = "2026-03-15"
    response = client.post(f"/risks/requirement/{running.pk}/new/", data)
    risk = Risk.objects.get()
    assert response.url == f"/risks/{risk.pk}/" and risk.code == "001"


def test_detail_page_runs_the_lifecycle(browse, org, running, users):
    risk = make_risk(org, running)
    client = browse(users["dsn_liaison"])
    html = client.get(f"/risks/{risk.pk}/").content.decode()
    assert 'data-transition="start"' in html and 'id="convene-special-meeting"' in html
    response = client.post(f"/risks/{risk.pk}/resolve/", {"measures": ""}, follow=True)
    assert "解决前请填写解决措施" in response.content.decode()
    client.post(
        f"/risks/{risk.pk}/resolve/",
        {"measures": "重新设计", "actual_resolution": "2026-03-04", "result": "已解决"},
    )
    risk.refresh_from_db()
    assert risk.status == "resolved" and risk.actual_resolution == datetime.date(2026, 3, 4)
    response = client.post(f"/risks/{risk.pk}/reopen/", {"reason": ""}, follow=True)
    assert "重新打开时必须填写原因" in response.content.decode()
    client.post(f"/risks/{risk.pk}/reopen/", {"reason": "审核未通过"})
    risk.refresh_from_db()
    assert risk.status == "in_progress"


def test_special_meeting_page(browse, org, running, users, departments):
    risk = make_risk(org, running)
    client = browse(users["dsn_liaison"])
    url = f"/risks/{risk.pk}/special-meeting/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"held_at": "2026-03-10T09:00", "solution": "x"})
    assert response.status_code == 200
    assert "请至少选择一个相关部门" in response.content.decode()
    response = client.post(
        url,
        {
            "held_at": "2026-03-10T09:00",
            "departments": [departments["DSN"].pk],
            "cause_category": "change",
            "solution": "调整设计规范",
            "recovery_plan": "重新出稿",
            "recovery_deadline": "2026-03-12",
        },
    )
    assert response.status_code == 302
    meeting_page = client.get(response.url).content.decode()
    assert "需求变更" in meeting_page and "重新出稿" in meeting_page
    assert browse(users["prd_liaison"]).get(url).status_code == 403


def test_escalation_and_reallocation_pages(browse, org, running, users, departments):
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
    leader = browse(users["mkt_head"])
    assert 'id="escalate"' in leader.get(f"/risks/{risk.pk}/").content.decode()
    leader.post(f"/risks/{risk.pk}/escalate/", {"note": "设计资源不足"})
    coordinator = browse(users["director"])
    html = coordinator.get(f"/risks/{risk.pk}/").content.decode()
    assert 'id="reallocate-form"' in html
    coordinator.post(
        f"/risks/{risk.pk}/reallocate/",
        {"task": task.pk, "owner": users["mkt_staff"].pk, "reason": "改由市场部负责"},
    )
    html = coordinator.get(f"/risks/{risk.pk}/").content.decode()
    assert "更换负责人" in html and "改由市场部负责" in html
    task.refresh_from_db()
    assert task.owner == users["mkt_staff"]


def test_unseen_pages_are_404(browse, org, running, users):
    risk = make_risk(org, running)
    client = browse(users["tec_head"])
    assert client.get(f"/risks/{risk.pk}/").status_code == 404
    assert client.get(f"/risks/requirement/{running.pk}/").status_code == 404
    assert client.post(f"/risks/{risk.pk}/start/").status_code == 404
    assert client.get(f"/risks/{risk.pk}/special-meeting/").status_code == 404
    assert browse(users["cha_contact"]).get(f"/risks/{risk.pk}/").status_code == 404


def test_register_page_queries_do_not_grow(
    browse,
    org,
    running,
    users,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    """5 records and 50 records: the same number of queries on the requirement's register
    (with its matrix) and on the list of every record. The requirement header's
    prefetches belong to the requirement register, so the count is measured at 5 rows
    (bounded) and pinned for 50."""

    def add(start, stop):
        for index in range(start, stop):
            risk = make_risk(org, running, impact=("high", "medium", "low")[index % 3])
            if index % 4 == 0:
                risk_escalate(risk=risk, actor=users["mkt_head"], note="需要支援")

    client = browse(users["mkt_head"])
    register = f"/risks/requirement/{running.pk}/"
    add(0, 5)
    client.get(register)  # warm per-process caches
    with django_assert_max_num_queries(PAGE_MAX_QUERIES) as page_five:
        response = client.get(register)
    assert response.content.decode().count("data-risk=") == 5
    with django_assert_num_queries(ALL_QUERIES) as all_five:
        client.get("/risks/")
    add(5, 50)
    with django_assert_num_queries(len(page_five)):
        response = client.get(register)
    assert response.content.decode().count("data-risk=") == 50
    with django_assert_num_queries(len(all_five)):
        response = client.get("/risks/")
    assert response.content.decode().count("data-risk=") == 50


PAGE_MAX_QUERIES = 20
ALL_QUERIES = 9
