"""Department KPIs: known data, every figure checked against the value worked out by hand
(API, page and Excel export alike), the period and department filters, the scope of a
department head, bad input, and a constant number of queries."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from collab.signoffs.models import SignOff
from meetings.models import Meeting
from requests_app.models import Requirement
from reviews_app.models import Acceptance, ImprovementAction, Metric, Retrospective
from risks_app.models import Risk
from tasks_app.models import Plan, PlanVersion, Task

pytestmark = pytest.mark.django_db

D = datetime.date
PERIOD = {"from": "2026-12-01", "to": "2026-12-31"}


def at(day: int, hour: int, month: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, 0))


def requirement(org, number, initiating, involved, status="in_progress"):
    departments = org["departments"]
    r = Requirement(
        number=number,
        initiating_department=departments[initiating],
        contact=org["users"]["mkt_staff"],
        topic=number,
        goal="目标",
        start_date=D(2026, 11, 1),
        end_date=D(2027, 3, 1),
        status=status,
        coordinator=org["users"]["director"],
    )
    r.save()
    r.departments.set([departments[code] for code in involved])
    return r


def done_task(org, req, code, dept, planned_end, actual_end, status="done"):
    return Task.objects.create(
        requirement=req,
        code=code,
        name=f"任务{code}",
        owner_department=org["departments"][dept],
        owner=org["users"]["prd_liaison"],
        planned_start=planned_end - datetime.timedelta(days=3),
        planned_end=planned_end,
        actual_end=actual_end,
        status=status,
        progress=100 if status == "done" else 0,
    )


def special_meeting(org, req, task, cause, held):
    return Meeting.objects.create(
        requirement=req,
        kind="special",
        organizer=org["users"]["mkt_head"],
        held_at=held,
        subject_type=ContentType.objects.get_for_model(Task),
        subject_id=task.pk,
        cause_category=cause,
    )


def sign(target, stage, department, signer, when, round_=1):
    with time_machine.travel(when, tick=False):
        return SignOff.objects.create(
            content_type=ContentType.objects.get_for_model(target),
            object_id=target.pk,
            stage=stage,
            round=round_,
            department=department,
            signer=signer,
            decision="approve",
        )


def plan(org, req, title, submitted):
    with time_machine.travel(submitted, tick=False):
        p = Plan.objects.create(
            requirement=req, title=title, body="步骤", author=org["users"]["mkt_head"]
        )
        PlanVersion.objects.create(
            plan=p,
            version=1,
            title=title,
            body="步骤",
            budget_unit="wan_yuan",
            submitted_by=org["users"]["mkt_head"],
        )
    return p


def risk(org, req, code, dept, impact, occurred, status="open", resolved=None):
    return Risk.objects.create(
        requirement=req,
        code=code,
        kind="risk",
        description=f"风险{code}",
        impact=impact,
        owner_department=org["departments"][dept],
        occurred_on=occurred,
        planned_resolution=occurred + datetime.timedelta(days=5),
        actual_resolution=resolved,
        status=status,
        created_by=org["users"]["mkt_head"],
    )


@pytest.fixture
def known(org):
    """The data of the hand-worked figures below (comments give each figure's part)."""
    users, departments = org["users"], org["departments"]
    prd, sal = departments["PRD"], departments["SAL"]
    with time_machine.travel(at(1, 9), tick=False):  # R1 enters its review on 1 Dec 09:00
        r1 = requirement(org, "2026-MKT-101", "MKT", ("PRD", "SAL", "DSN"))
    r2 = requirement(org, "2026-OPS-101", "OPS", ("TEC",))

    # Tasks finished in December (PRD: 4, 2 on time; SAL: 2, 1 on time; TEC: 1 on time).
    done_task(org, r1, "1.1", "PRD", D(2026, 12, 3), D(2026, 12, 2))  # on time, week 30 Nov
    done_task(org, r1, "1.2", "PRD", D(2026, 12, 8), D(2026, 12, 8))  # on time, week 7 Dec
    t3 = done_task(org, r1, "1.3", "PRD", D(2026, 12, 8), D(2026, 12, 11))  # 3 days late
    t4 = done_task(org, r1, "1.4", "PRD", D(2026, 12, 15), D(2026, 12, 20))  # 5 days late
    done_task(org, r1, "1.5", "PRD", D(2026, 11, 20), D(2026, 11, 28))  # before the period
    done_task(org, r1, "2.1", "SAL", D(2026, 12, 10), D(2026, 12, 10))  # on time
    done_task(org, r1, "2.2", "SAL", D(2026, 12, 20), D(2026, 12, 22))  # 2 days late
    done_task(org, r1, "2.3", "SAL", D(2026, 12, 20), None, status="in_progress")
    done_task(org, r1, "2.4", "SAL", D(2026, 12, 20), None, status="cancelled")
    done_task(org, r2, "1.1", "TEC", D(2026, 12, 6), D(2026, 12, 5))  # on time, week 30 Nov
    # Causes: t3 resources; t4 first "change", then (latest) "capability"; 2.2 none.
    special_meeting(org, r1, t3, "resources", at(12, 10))
    special_meeting(org, r1, t4, "change", at(16, 10))
    special_meeting(org, r1, t4, "capability", at(18, 10))

    # Sign-offs in December: review (coordinator 2 h, PRD 12 h), plans (PRD 4 h and 6 h,
    # SAL 10 h), acceptance (PRD 20 h); one plan signed in November does not count.
    sign(r1, "requirement_review", None, users["director"], at(1, 11))
    sign(r1, "requirement_review", prd, users["prd_head"], at(1, 21))
    p1 = plan(org, r1, "方案一", at(3, 8))
    sign(p1, "plan_approval", prd, users["prd_head"], at(3, 12))
    sign(p1, "plan_approval", sal, users["sal_head"], at(3, 18))
    p2 = plan(org, r1, "方案二", at(5, 8))
    sign(p2, "plan_approval", prd, users["prd_head"], at(5, 14))
    p3 = plan(org, r1, "方案三", at(20, 8, month=11))
    sign(p3, "plan_approval", prd, users["prd_head"], at(25, 8, month=11))
    with time_machine.travel(at(10, 8), tick=False):
        acceptance = Acceptance.objects.create(
            requirement=r1,
            accepted_on=D(2026, 12, 10),
            status="signing",
            created_by=users["mkt_head"],
        )
    sign(acceptance, "acceptance", prd, users["prd_head"], at(11, 4))

    # Risks open on 31 Dec: PRD high (open) and low (resolved only in January), DSN
    # medium; SAL's resolved one and the one occurring in January do not count.
    risk(org, r1, "001", "PRD", "high", D(2026, 12, 5))
    risk(org, r1, "002", "PRD", "low", D(2026, 12, 10), "resolved", D(2027, 1, 3))
    risk(org, r1, "003", "SAL", "medium", D(2026, 12, 2), "resolved", D(2026, 12, 20))
    risk(org, r1, "004", "SAL", "high", D(2027, 1, 2))
    risk(org, r1, "005", "DSN", "medium", D(2026, 11, 1))

    # R2's retrospective, held 15 Dec: 520/500 = 104%, 15/12 = 125%, 80/100 = 80%.
    accepted = Acceptance.objects.create(
        requirement=r2, accepted_on=D(2026, 12, 8), status="accepted", created_by=users["ops_head"]
    )
    retro = Retrospective.objects.create(
        requirement=r2, acceptance=accepted, due_on=D(2026, 12, 15), held_on=D(2026, 12, 15)
    )
    for name, target, actual in (("销售额", 500, 520), ("参与量", 12, 15), ("成本", 100, 80)):
        Metric.objects.create(retrospective=retro, name=name, target=target, actual=actual)
    # Improvement actions due in December: TEC 1 of 2 on time, OPS 0 of 1.
    for text, dept, due, status, done in (
        ("日报机制", "TEC", D(2026, 12, 10), "done", D(2026, 12, 9)),
        ("专人负责", "TEC", D(2026, 12, 20), "done", D(2026, 12, 22)),
        ("培训", "OPS", D(2026, 12, 31), "open", None),
        ("复核", "OPS", D(2027, 1, 15), "open", None),
    ):
        ImprovementAction.objects.create(
            retrospective=retro,
            action=text,
            owner_department=departments[dept],
            owner=users["ops_head"],
            due_date=due,
            status=status,
            done_on=done,
        )
    return {"r1": r1, "r2": r2}


def row(body, label):
    return next(r for r in body["departments"] if r["label"] == label)


def test_every_figure_matches_the_hand_worked_value(org, known, api):
    body = api.as_user(org["users"]["director"]).get("/api/v1/kpis/", PERIOD).json()
    assert (body["date_from"], body["date_to"]) == ("2026-12-01", "2026-12-31")
    assert [r["label"] for r in body["departments"]] == [
        "设计部",
        "运营部",
        "产品部",
        "销售部",
        "技术部",
        "协作协调人",
    ]
    prd, sal, tec = row(body, "产品部"), row(body, "销售部"), row(body, "技术部")
    overall = body["overall"]
    # On-time rate and delay days.
    assert (prd["tasks_finished"], prd["tasks_on_time"], prd["on_time_rate"]) == (4, 2, "50.0")
    assert (prd["tasks_late"], prd["delay_days_total"], prd["delay_days_average"]) == (2, 8, "4.0")
    assert (sal["tasks_finished"], sal["tasks_on_time"], sal["on_time_rate"]) == (2, 1, "50.0")
    assert (sal["delay_days_total"], sal["delay_days_average"]) == (2, "2.0")
    assert (tec["tasks_finished"], tec["on_time_rate"], tec["delay_days_average"]) == (
        1,
        "100.0",
        None,
    )
    assert (overall["tasks_finished"], overall["tasks_on_time"]) == (7, 4)
    assert overall["on_time_rate"] == "57.1"  # 4 / 7
    assert (overall["tasks_late"], overall["delay_days_total"]) == (3, 10)
    assert overall["delay_days_average"] == "3.3"  # 10 / 3
    # Weekly trend (weeks from Monday 30 Nov).
    assert body["on_time_by_week"] == [
        {"week": "2026-11-30", "finished": 2, "on_time": 2, "rate": "100.0"},
        {"week": "2026-12-07", "finished": 3, "on_time": 2, "rate": "66.7"},
        {"week": "2026-12-14", "finished": 1, "on_time": 0, "rate": "0.0"},
        {"week": "2026-12-21", "finished": 1, "on_time": 0, "rate": "0.0"},
        {"week": "2026-12-28", "finished": 0, "on_time": 0, "rate": None},
    ]
    # Delay by cause: the latest special meeting's cause.
    assert body["delay_by_cause"] == [
        {"cause": "resources", "label": "资源不足", "tasks": 1, "days": 3},
        {"cause": "capability", "label": "能力不足", "tasks": 1, "days": 5},
        {"cause": "unanalysed", "label": "未分析", "tasks": 1, "days": 2},
    ]
    # Sign-off turnaround: PRD 12, 4, 6, 20 h -> median 9; SAL 10; coordinator 2;
    # overall 2, 4, 6, 10, 12, 20 -> 8.
    assert (prd["signoffs"], prd["signoff_median_hours"]) == (4, "9.0")
    assert (sal["signoffs"], sal["signoff_median_hours"]) == (1, "10.0")
    coordinator = row(body, "协作协调人")
    assert (coordinator["department"], coordinator["signoff_median_hours"]) == (None, "2.0")
    assert (overall["signoffs"], overall["signoff_median_hours"]) == (6, "8.0")
    turnaround = [
        (t["department_name"], t["stage"], t["count"], t["median_hours"])
        for t in body["signoff_turnaround"]
    ]
    assert turnaround == [
        ("产品部", "requirement_review", 1, "12.0"),
        ("产品部", "plan_approval", 2, "5.0"),
        ("产品部", "acceptance", 1, "20.0"),
        ("销售部", "plan_approval", 1, "10.0"),
        ("协作协调人", "requirement_review", 1, "2.0"),
    ]
    # Open risks at the period's end, by impact.
    assert prd["open_risks"] == {"high": 1, "medium": 0, "low": 1, "total": 2}
    assert row(body, "设计部")["open_risks"] == {"high": 0, "medium": 1, "low": 0, "total": 1}
    assert sal["open_risks"]["total"] == 0
    assert overall["open_risks"] == {"high": 1, "medium": 1, "low": 1, "total": 3}
    # Improvement actions done on time.
    assert (tec["improvements_due"], tec["improvements_on_time"]) == (2, 1)
    assert tec["improvements_on_time_rate"] == "50.0"
    ops = row(body, "运营部")
    assert (ops["improvements_due"], ops["improvements_on_time_rate"]) == (1, "0.0")
    assert overall["improvements_on_time_rate"] == "33.3"
    # Retrospective goal achievement (R2 is initiated by OPS).
    assert (ops["metrics"], ops["metrics_achieved"], ops["achievement_rate_average"]) == (
        3,
        2,
        "103.00",
    )
    assert (overall["metrics"], overall["achievement_rate_average"]) == (3, "103.00")
    assert set(body["definitions"]) == {
        "on_time_rate",
        "delay_days",
        "delay_by_cause",
        "signoff_turnaround",
        "open_risks",
        "improvements",
        "goal_achievement",
    }


def test_department_filter_and_a_heads_scope(org, known, api):
    director = api.as_user(org["users"]["director"])
    prd_id = org["departments"]["PRD"].pk
    body = director.get("/api/v1/kpis/", {**PERIOD, "department": prd_id}).json()
    assert [r["label"] for r in body["departments"]] == ["产品部"]
    overall = body["overall"]
    assert (overall["tasks_finished"], overall["on_time_rate"], overall["delay_days_total"]) == (
        4,
        "50.0",
        8,
    )
    assert [c["cause"] for c in body["delay_by_cause"]] == ["resources", "capability"]
    assert overall["signoff_median_hours"] == "9.0"
    assert [t["department_name"] for t in body["signoff_turnaround"]] == ["产品部"] * 3
    # The head of PRD sees R1 (PRD takes part), not R2 (OPS and TEC only).
    head = api.as_user(org["users"]["prd_head"]).get("/api/v1/kpis/", PERIOD).json()
    assert head["overall"]["tasks_finished"] == 6
    assert head["overall"]["metrics"] == 0
    assert "技术部" not in [r["label"] for r in head["departments"]]
    # Someone who heads no department sees no figures.
    nobody = api.as_user(org["users"]["prd_liaison"]).get("/api/v1/kpis/", PERIOD).json()
    assert nobody["departments"] == []
    assert nobody["overall"]["tasks_finished"] == 0


def test_bad_period_is_refused_with_field_errors(org, api, client):
    director = api.as_user(org["users"]["director"])
    response = director.get("/api/v1/kpis/", {"from": "2026-12-31", "to": "2026-12-01"})
    assert response.status_code == 400
    assert response.json() == {"to": ["截止日期不能早于开始日期"]}
    response = director.get("/api/v1/kpis/", {"from": "yesterday", "department": "9999999"})
    assert response.status_code == 400
    assert set(response.json()) == {"from", "department"}
    client.force_login(org["users"]["director"])
    page = client.get(reverse("cockpit:kpis"), {"from": "2026-12-31", "to": "2026-12-01"})
    assert page.status_code == 200
    assert "截止日期不能早于开始日期" in page.text
    assert 'id="kpi-table"' not in page.text
    export = client.get(reverse("cockpit:kpis-export"), {"from": "x"})
    assert export.status_code == 400


def test_page_shows_figures_definitions_and_charts_and_exports_them(org, known, client):
    client.force_login(org["users"]["director"])
    page = client.get(reverse("cockpit:kpis"), PERIOD).text
    overall = page[page.index('id="kpi-overall"') :]
    overall = overall[: overall.index("</tr>")]
    for figure in ("<td>7</td>", "<td>57.1</td>", "<td>10</td>", "<td>3.3</td>", "<td>8.0</td>"):
        assert figure in overall
    assert "按期完成率 = 期间内按计划结束日期或之前完成的任务数" in page
    assert "vendor/echarts-5.6.0/echarts.min.js" in page
    assert 'id="chart-weekly"' in page and 'id="cockpit-charts"' in page
    assert '"weeks": ["2026-11-30", "2026-12-07"' in page

    response = client.get(reverse("cockpit:kpis-export"), PERIOD)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames[:4] == ["部门KPI", "按周按期完成率", "延迟原因", "签字周转"]
    rows = list(workbook["部门KPI"].iter_rows(values_only=True))
    assert rows[0] == ("统计期间：2026-12-01 ~ 2026-12-31",)
    total = rows[-1]
    assert total[:9] == ("全部", 7, 4, 57.1, 3, 10, 3.3, 6, 8.0)
    prd = next(r for r in rows if r[0] == "产品部")
    assert prd[:9] == ("产品部", 4, 2, 50.0, 2, 8, 4.0, 4, 9.0)
    causes = list(workbook["延迟原因"].iter_rows(values_only=True))
    assert causes[1:] == [("资源不足", 1, 3), ("能力不足", 1, 5), ("未分析", 1, 2)]


def test_queries_do_not_grow_with_the_data(org, known, api, client, django_assert_num_queries):
    """The KPI endpoint and page cost the same number of queries whatever the rows."""
    director = org["users"]["director"]
    client_api = api.as_user(director)
    client.force_login(director)
    client_api.get("/api/v1/kpis/", PERIOD)
    client.get(reverse("cockpit:kpis"), PERIOD)
    with django_assert_num_queries(KPI_API_QUERIES):
        client_api.get("/api/v1/kpis/", PERIOD)
    with django_assert_num_queries(KPI_PAGE_QUERIES):
        client.get(reverse("cockpit:kpis"), PERIOD)
    r1 = known["r1"]
    for index in range(40):
        task = done_task(org, r1, f"9.{index + 1}", "SAL", D(2026, 12, 9), D(2026, 12, 12))
        special_meeting(org, r1, task, "external", at(13, 9))
        p = plan(org, r1, f"方案{index}", at(14, 8))
        sign(p, "plan_approval", org["departments"]["SAL"], org["users"]["sal_head"], at(14, 9))
        risk(org, r1, f"{100 + index}", "SAL", "high", D(2026, 12, 1))
    with django_assert_num_queries(KPI_API_QUERIES):
        body = client_api.get("/api/v1/kpis/", PERIOD).json()
    assert body["overall"]["tasks_finished"] == 47
    assert row(body, "销售部")["signoff_median_hours"] == "1.0"
    assert Decimal(body["overall"]["on_time_rate"]) == Decimal("8.5")  # 4 / 47
    with django_assert_num_queries(KPI_PAGE_QUERIES):
        client.get(reverse("cockpit:kpis"), PERIOD)


# Measured: queries for one request.
KPI_API_QUERIES = 11
KPI_PAGE_QUERIES = 14
