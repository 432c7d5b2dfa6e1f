"""The portfolio (驾驶舱): step, health with its reasons, progress, next milestone and
leader of every running collaboration, on the page and at /api/v1/portfolio/, for the
people who may see them, in a constant number of queries."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cockpit.portfolio import RUNNING, PortfolioFilters, portfolio, portfolio_rows
from requests_app.models import Requirement
from requests_app.stage import requirement_stage
from risks_app.models import Risk
from tasks_app.models import Task, TaskStatus
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.loop import walk

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 20)
NOW = timezone.make_aware(datetime.datetime(2026, 12, 20, 10, 0))


def test_stage_is_the_step_the_requirement_page_shows_through_the_whole_loop(org):
    """At every checkpoint of a real loop where the requirement is running, the
    portfolio's step (computed in SQL) is the step requests_app.stage computes."""
    director = org["users"]["director"]
    seen = set()
    for name, ctx in walk(org):
        requirement = Requirement.objects.get(pk=ctx["requirement"].pk)
        rows = portfolio_rows(portfolio(director))
        if requirement.status not in RUNNING:
            assert rows == [], name
            continue
        [row] = rows
        assert row.stage == requirement_stage(requirement).code, name
        seen.add(row.stage)
    assert seen == {"division", "plans", "execution", "risks", "delivery"}


def running(org, topic="运行中", *, leader="mkt_head", **overrides):
    requirement = make_requirement(org, topic=topic, **overrides)
    confirm_requirement(org, requirement)
    form_group(org, requirement, leader=leader)
    return Requirement.objects.get(pk=requirement.pk)


def task(requirement, code, *, end, status=TaskStatus.IN_PROGRESS, progress=0, org, dept="PRD"):
    return Task.objects.create(
        requirement=requirement,
        code=code,
        name=f"任务{code}",
        owner_department=org["departments"][dept],
        owner=org["users"]["prd_liaison"],
        planned_start=end - datetime.timedelta(days=5),
        planned_end=end,
        status=status,
        progress=100 if status == TaskStatus.DONE else progress,
        actual_end=end if status == TaskStatus.DONE else None,
    )


def build_health_cases(org):
    """Three running requirements: one late, one at risk, one on track."""
    day = datetime.timedelta(days=1)
    late = running(org, "滞后的", priority="P0")
    task(late, "1.1", end=TODAY - 5 * day, org=org, progress=40)  # 5 days late
    task(late, "1.2", end=TODAY + 3 * day, org=org, progress=20)
    task(late, "1.3", end=TODAY - 9 * day, status=TaskStatus.DONE, org=org)
    at_risk = running(org, "有风险的", priority="P1")
    task(at_risk, "1.1", end=TODAY - 1 * day, org=org, progress=50)  # 1 day late
    task(at_risk, "2.1", end=TODAY + 2 * day, status=TaskStatus.BLOCKED, org=org, progress=30)
    Risk.objects.create(
        requirement=at_risk,
        code="001",
        kind="issue",
        description="物料不符合品牌规范",
        impact="high",
        owner_department=org["departments"]["DSN"],
        occurred_on=TODAY - 2 * day,
        planned_resolution=TODAY + day,
        created_by=org["users"]["mkt_head"],
    )
    fine = running(org, "正常的", priority="P2", leader="prd_head")
    task(fine, "1.1", end=TODAY + 4 * day, org=org, progress=60)
    task(fine, "1.2", end=TODAY + 8 * day, org=org, progress=0)
    task(fine, "1.3", end=TODAY + 1 * day, status=TaskStatus.CANCELLED, org=org, progress=0)
    for requirement in (late, at_risk, fine):
        Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    return late, at_risk, fine


@time_machine.travel(NOW, tick=False)
def test_health_reasons_progress_milestone_and_leader_on_page_and_api(org, client, api):
    late, at_risk, fine = build_health_cases(org)
    director = org["users"]["director"]
    body = api.as_user(director).get("/api/v1/portfolio/").json()
    assert body["count"] == 3
    rows = {row["number"]: row for row in body["results"]}
    # Sorted by health: late, at risk, on track.
    assert [row["number"] for row in body["results"]] == [
        late.number,
        at_risk.number,
        fine.number,
    ]
    assert rows[late.number]["health"] == "late"
    assert rows[late.number]["reasons"] == ["1 个任务逾期，最长 5 天"]
    assert rows[late.number]["progress"] == 53  # (40 + 20 + 100) / 3
    assert rows[late.number]["next_milestone"] == {
        "code": "1.2",
        "name": "任务1.2",
        "date": "2026-12-23",
    }
    assert rows[late.number]["leader"]["display"] == org["users"]["mkt_head"].label
    assert rows[late.number]["leader_department"]["display"] == "市场部"
    assert rows[late.number]["stage"] == "execution"
    assert rows[at_risk.number]["health"] == "at_risk"
    assert rows[at_risk.number]["reasons"] == [
        "1 个任务逾期，最长 1 天",
        "1 个任务阻塞",
        "1 个高影响问题未解决",
    ]
    assert rows[at_risk.number]["stage"] == "risks"  # an open issue comes first
    assert (rows[at_risk.number]["late_tasks"], rows[at_risk.number]["blocked_tasks"]) == (1, 1)
    assert rows[at_risk.number]["open_high_issues"] == 1
    assert rows[fine.number]["health"] == "on_track"
    assert rows[fine.number]["reasons"] == []
    assert rows[fine.number]["progress"] == 30  # the cancelled task does not count
    assert rows[fine.number]["next_milestone"]["code"] == "1.1"
    assert rows[fine.number]["leader"]["display"] == org["users"]["prd_head"].label

    client.force_login(director)
    page = client.get(reverse("cockpit:portfolio")).text
    assert page.index(late.number) < page.index(at_risk.number) < page.index(fine.number)
    assert "1 个任务逾期，最长 5 天" in page
    assert "1 个高影响问题未解决" in page
    assert 'id="nav-cockpit"' in page
    english = client.get(reverse("cockpit:portfolio"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "1 task(s) overdue, the longest by 5 days" in english
    assert "an open task more than 2 days past its planned end" in english
    assert ">Late</span>" in english


@pytest.mark.parametrize(
    ("tasks", "health"),
    [
        # (days past the planned end, status) of each task; late means more than
        # COLLAB_ALERT_LATE_DAYS (2) days past it
        ([(3, TaskStatus.IN_PROGRESS)], "late"),
        ([(3, TaskStatus.NOT_STARTED), (-5, TaskStatus.IN_PROGRESS)], "late"),
        ([(2, TaskStatus.IN_PROGRESS)], "at_risk"),
        ([(1, TaskStatus.BLOCKED)], "at_risk"),
        ([(-4, TaskStatus.BLOCKED)], "at_risk"),
        (
            [(9, TaskStatus.DONE), (9, TaskStatus.CANCELLED), (0, TaskStatus.IN_PROGRESS)],
            "on_track",
        ),
        ([], "on_track"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_each_task_condition_decides_health_on_its_own(org, tasks, health):
    requirement = running(org, "单一条件")
    Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    for index, (days_late, status) in enumerate(tasks, start=1):
        end = TODAY - datetime.timedelta(days=days_late)
        task(requirement, f"1.{index}", end=end, status=status, org=org)
    director = org["users"]["director"]
    [row] = portfolio_rows(portfolio(director))
    assert row.health == health
    others = {"late", "at_risk", "on_track"} - {health}
    assert [r.pk for r in portfolio(director, PortfolioFilters(health=health))] == [requirement.pk]
    assert not any(portfolio(director, PortfolioFilters(health=other)).exists() for other in others)


@time_machine.travel(NOW, tick=False)
def test_filters_by_department_priority_stage_and_health(org, client, api):
    late, at_risk, fine = build_health_cases(org)
    client_api = api.as_user(org["users"]["director"])

    def numbers(**params):
        body = client_api.get("/api/v1/portfolio/", params).json()
        return {row["number"] for row in body["results"]}

    assert numbers(health="late") == {late.number}
    assert numbers(health="at_risk") == {at_risk.number}
    assert numbers(priority="P2") == {fine.number}
    assert numbers(stage="risks") == {at_risk.number}
    assert numbers(stage="execution") == {late.number, fine.number}
    other = running(org, "运营部的", departments=("OPS",))
    assert numbers(department=org["departments"]["OPS"].pk) == {other.number}
    assert numbers(department=org["departments"]["MKT"].pk) == {
        late.number,
        at_risk.number,
        fine.number,
        other.number,
    }

    response = client_api.get("/api/v1/portfolio/", {"health": "grim", "department": "x"})
    assert response.status_code == 400
    assert set(response.json()) == {"health", "department"}

    client.force_login(org["users"]["director"])
    page = client.get(reverse("cockpit:portfolio"), {"stage": "nowhere"})
    assert page.status_code == 200
    assert "筛选条件无效" in page.text
    assert late.number not in page.text


def test_partners_and_outsiders_never_see_collaborations_they_are_not_in(org, client, api):
    users = org["users"]
    mkt_only = running(org, "市场与运营", departments=("OPS",))
    with_prd = running(org, "市场与产品", departments=("PRD",))

    def numbers(username):
        body = api.as_user(users[username]).get("/api/v1/portfolio/").json()
        return {row["number"] for row in body["results"]}

    assert numbers("director") == {mkt_only.number, with_prd.number}
    assert numbers("mkt_head") == {mkt_only.number, with_prd.number}  # initiating department
    assert numbers("prd_head") == {with_prd.number}
    assert numbers("dsn_head") == set()
    # A liaison in the group who heads no department: nothing in the cockpit.
    assert numbers("prd_liaison") == set()
    # A partner, even a partner in a group, gets no cockpit at all.
    partner = users["cha_contact"]
    assert api.as_user(partner).get("/api/v1/portfolio/").status_code == 403
    assert api.as_user(partner).get("/api/v1/kpis/").status_code == 403
    client.force_login(partner)
    assert client.get(reverse("cockpit:portfolio")).status_code == 403
    assert client.get(reverse("cockpit:kpis")).status_code == 403
    assert 'id="nav-cockpit"' not in client.get(reverse("home")).text
    client.logout()
    assert client.get(reverse("cockpit:portfolio")).status_code == 302


# Measured: queries for one request, the same for 5 and for 50 running requirements.
PAGE_QUERIES = {"director": 8, "prd_head": 9}
API_QUERIES = {"director": 5, "prd_head": 6}


def make_running(org, count, start=0):
    """Running requirements written in bulk, as a loaded database holds them: groups
    with a leader and liaisons, late, blocked and upcoming tasks, an open high-impact
    issue on some."""
    from requests_app.models import GroupMember

    day = datetime.timedelta(days=1)
    today = timezone.localdate()
    users, departments = org["users"], org["departments"]
    requirements = Requirement.objects.bulk_create(
        Requirement(
            number=f"2026-MKT-{900 + index}",
            initiating_department=departments["MKT"],
            contact=users["mkt_staff"],
            topic=f"协作{index}",
            goal="目标",
            start_date=today - 30 * day,
            end_date=today + 60 * day,
            priority=("P0", "P1", "P2")[index % 3],
            status=("confirmed", "in_progress", "in_progress")[index % 3],
            coordinator=users["director"],
        )
        for index in range(start, start + count)
    )
    Requirement.departments.through.objects.bulk_create(
        Requirement.departments.through(requirement=r, department=departments["PRD"])
        for r in requirements
    )
    members, tasks, issues = [], [], []
    for index, requirement in enumerate(requirements, start=start):
        leader = users[("mkt_head", "prd_head")[index % 2]]
        members += [
            GroupMember(
                requirement=requirement, user=leader, department=leader.department, role="leader"
            ),
            GroupMember(
                requirement=requirement,
                user=users["prd_liaison"],
                department=departments["PRD"],
                role="liaison",
            ),
        ]
        for code, end, status in (
            ("1.1", today - (index % 5) * day, TaskStatus.IN_PROGRESS),
            ("1.2", today + day, TaskStatus.BLOCKED),
            ("1.3", today - 3 * day, TaskStatus.DONE),
        ):
            tasks.append(
                Task(
                    requirement=requirement,
                    code=code,
                    code_sort=code,
                    name=f"任务{code}",
                    owner_department=departments["PRD"],
                    owner=users["prd_liaison"],
                    planned_start=end - 5 * day,
                    planned_end=end,
                    status=status,
                    progress=index % 100,
                )
            )
        if index % 4 == 0:
            issues.append(
                Risk(
                    requirement=requirement,
                    code="001",
                    kind="issue",
                    description="问题",
                    impact="high",
                    owner_department=departments["PRD"],
                    occurred_on=today,
                    planned_resolution=today + day,
                    created_by=users["mkt_head"],
                )
            )
    GroupMember.objects.bulk_create(members)
    Task.objects.bulk_create(tasks)
    Risk.objects.bulk_create(issues)


def test_page_and_endpoint_queries_are_constant(org, client, api, django_assert_num_queries):
    """5 rows, then 50: the page and the endpoint, as the coordinator and as the head of
    a department taking part in every requirement."""
    make_running(org, 5)
    for rows in (5, 50):
        if rows == 50:
            make_running(org, 45, start=5)
        for username in ("director", "prd_head"):
            user = org["users"][username]
            client.force_login(user)
            url = reverse("cockpit:portfolio")
            client.get(url)
            with django_assert_num_queries(PAGE_QUERIES[username]):
                response = client.get(url)
            assert response.text.count("<tr data-health=") == rows
            client_api = api.as_user(user)
            client_api.get("/api/v1/portfolio/")
            with django_assert_num_queries(API_QUERIES[username]):
                body = client_api.get("/api/v1/portfolio/", {"page_size": 50}).json()
            assert body["count"] == rows
            assert len(body["results"]) == rows
            assert all(row["leader"] is not None for row in body["results"])


def test_sign_offs_waiting_too_long_put_a_collaboration_at_risk(org, api):
    """A plan in review and an acceptance being signed, each asked for more than three
    days ago, count; a plan submitted yesterday does not."""
    from reviews_app.models import Acceptance
    from tasks_app.models import Plan, PlanVersion

    requirement = running(org, "等签字")
    Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    leader = org["users"]["mkt_head"]
    today = datetime.datetime(2026, 12, 20, 10, 0)
    for title, days_ago in (("方案甲", 5), ("方案乙", 1)):
        when = timezone.make_aware(today - datetime.timedelta(days=days_ago))
        with time_machine.travel(when, tick=False):
            plan = Plan.objects.create(
                requirement=requirement, title=title, body="步骤", author=leader, status="in_review"
            )
            PlanVersion.objects.create(
                plan=plan,
                version=1,
                title=title,
                body="步骤",
                budget_unit="wan_yuan",
                submitted_by=leader,
            )
    with time_machine.travel(timezone.make_aware(today - datetime.timedelta(days=4)), tick=False):
        Acceptance.objects.create(
            requirement=requirement,
            accepted_on=TODAY,
            status="signing",
            created_by=leader,
        )
    with time_machine.travel(NOW, tick=False):
        body = api.as_user(org["users"]["director"]).get("/api/v1/portfolio/").json()
    [row] = body["results"]
    assert row["overdue_signoffs"] == 2
    assert row["health"] == "at_risk"
    assert row["reasons"] == ["2 项签字等待超过 3 天"]
