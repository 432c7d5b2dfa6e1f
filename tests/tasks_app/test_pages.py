import datetime

import pytest
import time_machine
from django.urls import reverse

from tasks_app.models import ProgressUpdate, Task, TaskStatus

TODAY = datetime.datetime(2024, 8, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_every_requirement_page_renders(tasks_seed, client_as):
    requirement = tasks_seed["requirement"]
    client = client_as(tasks_seed["users"]["mkt_head"])
    for name in ("register", "kanban", "gantt", "weekly", "plans", "create", "plan_create"):
        response = client.get(reverse(f"tasks:{name}", args=[requirement.pk]))
        assert response.status_code == 200, name
    response = client.get(reverse("requirements:detail", args=[requirement.pk]))
    assert b'data-tab="gantt"' in response.content
    task = tasks_seed["tasks"]["2.1"]
    for name in ("detail", "edit"):
        assert client.get(reverse(f"tasks:{name}", args=[task.pk])).status_code == 200
    plan = requirement.plans.get()
    assert client.get(reverse("tasks:plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("tasks:list")).status_code == 200


def test_register_shows_template_columns_in_order_with_delay(tasks_seed, client_as):
    requirement = tasks_seed["requirement"]
    with time_machine.travel(TODAY, tick=False):
        response = client_as(tasks_seed["users"]["mkt_head"]).get(
            reverse("tasks:register", args=[requirement.pk])
        )
    html = response.content.decode()
    headers = [
        "任务ID",
        "子任务名称",
        "负责部门/人",
        "协作部门/人",
        "计划开始时间",
        "计划结束时间",
        "实际完成时间",
        "当前状态",
        "交付成果",
        "优先级",
        "延期",
    ]
    positions = [html.index(f"<th>{h}</th>") for h in headers]
    assert positions == sorted(positions)
    assert 'data-code="3.1"' in html
    row = html[html.index('id="task-' + str(tasks_seed["tasks"]["3.1"].pk)) :]
    assert 'data-delay="1"' in row[: row.index("</tr>")]
    blocked = html[html.index('id="task-' + str(tasks_seed["tasks"]["2.1"].pk)) :]
    assert 'data-delay="5"' in blocked[: blocked.index("</tr>")]


def test_register_filters(tasks_seed, client_as):
    requirement = tasks_seed["requirement"]
    client = client_as(tasks_seed["users"]["mkt_head"])
    url = reverse("tasks:register", args=[requirement.pk])
    html = client.get(url, {"overdue": "1"}).content.decode()
    assert 'data-code="2.1"' in html and 'data-code="1.1"' not in html
    html = client.get(url, {"status": "done", "priority": "P0"}).content.decode()
    assert all(f'data-code="{c}"' in html for c in ("1.1", "1.2", "3.1"))
    assert 'data-code="2.1"' not in html
    dsn = tasks_seed["departments"]["DSN"].pk
    html = client.get(url, {"owner_department": dsn}).content.decode()
    assert 'data-code="2.1"' in html and 'data-code="3.1"' not in html
    html = client.get(url, {"owner": tasks_seed["users"]["sal_liaison"].pk}).content.decode()
    assert 'data-code="3.1"' in html and 'data-code="2.1"' not in html
    # garbage filters are ignored, never a 500
    assert client.get(url, {"status": "x", "owner": "abc", "sort": "?"}).status_code == 200


def test_inline_progress_update_answers_the_row(tasks_seed, client_as):
    task = tasks_seed["tasks"]["2.1"]
    client = client_as(task.owner)
    task_obj = Task.objects.get(pk=task.pk)
    # a blocked task still takes progress; the row comes back with the new figure
    response = client.post(
        reverse("tasks:progress", args=[task.pk]),
        {"progress": "90", "note": "海报改稿完成"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "90%" in html and "海报改稿完成" in html
    task_obj.refresh_from_db()
    assert task_obj.progress == 90
    # bad input: clear message, nothing written
    count = ProgressUpdate.objects.count()
    response = client.post(
        reverse("tasks:progress", args=[task.pk]),
        {"progress": "150", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "进度应在 0 到 100 之间" in response.content.decode()
    assert ProgressUpdate.objects.count() == count


def test_progress_refused_for_someone_else(tasks_seed, client_as):
    task = tasks_seed["tasks"]["2.1"]
    client = client_as(tasks_seed["users"]["sal_liaison"])
    response = client.post(
        reverse("tasks:progress", args=[task.pk]),
        {"progress": "10", "note": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert "只有负责人和管理人可以填报进度" in response.content.decode()


def test_leader_creates_a_task_through_the_page(org, client_as, confirmed):
    client = client_as(org["users"]["mkt_head"])
    url = reverse("tasks:create", args=[confirmed.pk])
    data = {
        "code": "1.1",
        "name": "活动方案设计",
        "owner_department": org["departments"]["PRD"].pk,
        "owner": org["users"]["prd_liaison"].pk,
        "collaborating_departments": [org["departments"]["SAL"].pk],
        "planned_start": "2026-12-01",
        "planned_end": "2026-12-10",
        "priority": "P0",
        "deliverable": "方案",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    task = Task.objects.get(requirement=confirmed, code="1.1")
    assert task.collaborating_departments.get().code == "SAL"
    # duplicate code: form error, nothing written
    response = client.post(url, data)
    assert response.status_code == 200
    assert "任务ID 1.1 在本需求中已存在" in response.content.decode()
    assert Task.objects.filter(requirement=confirmed).count() == 1
    # end before start
    response = client.post(url, {**data, "code": "1.2", "planned_end": "2026-11-01"})
    assert "计划结束时间不能早于计划开始时间" in response.content.decode()
    # a liaison cannot create for another department
    liaison = client_as(org["users"]["sal_liaison"])
    response = liaison.post(url, {**data, "code": "1.3"})
    assert response.status_code == 200
    assert "您不能为该部门分解任务" in response.content.decode()


def test_pages_404_for_unseen_requirement(tasks_seed, client_as):
    requirement = tasks_seed["requirement"]
    client = client_as(tasks_seed["users"]["ops_staff"])
    for name in ("register", "kanban", "gantt", "weekly", "plans"):
        response = client.get(reverse(f"tasks:{name}", args=[requirement.pk]))
        assert response.status_code == 404, name
    task = tasks_seed["tasks"]["1.1"]
    assert client.get(reverse("tasks:detail", args=[task.pk])).status_code == 404
    assert client.post(reverse("tasks:move", args=[task.pk]), {}).status_code == 404


def test_kanban_move_runs_the_transition_or_refuses(tasks_seed, client_as):
    task = tasks_seed["tasks"]["2.1"]
    client = client_as(task.owner)
    url = reverse("tasks:move", args=[task.pk])
    response = client.post(url, {"status": "done"})
    assert response.status_code == 409
    assert "不能从“阻塞”直接移到“已完成”" in response.json()["message"]
    response = client.post(url, {"status": "in_progress"})
    assert response.json()["ok"] is True
    response = client.post(url, {"status": "blocked"})
    assert response.status_code == 409 and "原因" in response.json()["message"]
    response = client.post(url, {"status": "cancelled", "reason": "x"})
    assert response.status_code == 409
    assert "权限" in response.json()["message"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


def test_gantt_reschedule_checks_permission(tasks_seed, client_as):
    task = tasks_seed["tasks"]["2.1"]
    url = reverse("tasks:reschedule", args=[task.pk])
    body = {"planned_start": "2024-07-27", "planned_end": "2024-08-08"}
    response = client_as(tasks_seed["users"]["sal_liaison"]).post(url, body)
    assert response.status_code == 403
    response = client_as(tasks_seed["users"]["mkt_head"]).post(url, body)
    assert response.json()["ok"] is True
    task = Task.objects.get(pk=task.pk)
    assert task.planned_end == datetime.date(2024, 8, 8)
    response = client_as(task.owner).post(url, {"planned_start": "bad", "planned_end": "x"})
    assert response.status_code == 400


def test_gantt_page_has_one_bar_per_task_with_marks(tasks_seed, client_as):
    requirement = tasks_seed["requirement"]
    with time_machine.travel(TODAY, tick=False):
        response = client_as(tasks_seed["users"]["mkt_head"]).get(
            reverse("tasks:gantt", args=[requirement.pk])
        )
    data = response.context["gantt"]
    assert len(data["tasks"]) == 4
    marks = {row["code"]: row["custom_class"] for row in data["tasks"]}
    assert "bar-late" in marks["3.1"] and "bar-blocked" in marks["2.1"]
    assert "bar-late" in marks["2.1"] and "bar-late" not in marks["1.1"]
    row = next(r for r in data["tasks"] if r["code"] == "2.1")
    assert row["dependencies"] == str(tasks_seed["tasks"]["1.1"].pk)
    assert data["today"] == "2024-08-10"


def test_weekly_view_groups_by_department(tasks_seed, client_as):
    requirement = tasks_seed["requirement"]
    with time_machine.travel(TODAY, tick=False):
        response = client_as(tasks_seed["users"]["mkt_head"]).get(
            reverse("tasks:weekly", args=[requirement.pk]), {"week": "2024-07-31"}
        )
    html = response.content.decode()
    assert response.status_code == 200
    groups = {g["department"].code: g for g in response.context["groups"]}
    assert [t.code for t in groups["DSN"]["late"]] == ["2.1"]
    assert [t.code for t in groups["DSN"]["blocked"]] == ["2.1"]
    assert [t.code for t in groups["SAL"]["done"]] == ["3.1"]
    assert "data-print" in html


def test_workbench_is_the_home_page(tasks_seed, client_as):
    with time_machine.travel(TODAY, tick=False):
        response = client_as(tasks_seed["users"]["dsn_liaison"]).get("/")
    assert response.status_code == 200
    assert [t.code for t in response.context["overdue"]] == ["2.1"]
    response = client_as(tasks_seed["users"]["mkt_head"]).get("/")
    assert [r.number for r in response.context["led"]] == ["2024-MKT-001"]
    assert response.context["recent"]


def test_workbench_lists_signoffs_waiting(org, client_as):
    from tests.factories import make_requirement

    requirement = make_requirement(org)
    response = client_as(org["users"]["prd_head"]).get("/")
    titles = [s.title for s in response.context["signoffs"]]
    assert titles == [f"{requirement.number} {requirement.topic}"]
    from requests_app.services import requirement_sign

    requirement_sign(
        requirement=requirement,
        actor=org["users"]["prd_head"],
        decision="approve",
        department=org["departments"]["PRD"],
    )
    response = client_as(org["users"]["prd_head"]).get("/")
    assert response.context["signoffs"] == []
