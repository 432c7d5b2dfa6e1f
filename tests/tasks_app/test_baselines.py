"""Baselines and the critical path: known graphs give exactly the expected path."""

import datetime

from django.urls import reverse

from tasks_app.baselines import critical_tasks, longest_chains
from tasks_app.models import Baseline, BaselineTask
from tasks_app.services import task_reschedule

from .conftest import make_task

D = datetime.date


def test_longest_chain_of_a_known_graph():
    # a(3) -> b(2) -> d(4); a -> c(5) -> d; e(1) alone; f(6) after e.
    durations = {1: 3, 2: 2, 3: 5, 4: 4, 5: 1, 6: 6}
    depends_on = {2: {1}, 3: {1}, 4: {2, 3}, 6: {5}}
    assert longest_chains(durations, depends_on) == {1, 3, 4}


def test_tied_chains_are_all_critical_and_a_lone_long_task_wins():
    durations = {1: 2, 2: 3, 3: 3, 4: 2}
    assert longest_chains(durations, {2: {1}, 4: {3}}) == {1, 2, 3, 4}
    assert longest_chains({1: 2, 2: 2, 3: 9}, {2: {1}}) == {3}
    assert longest_chains({}, {}) == set()


def test_a_cycle_has_no_critical_path():
    assert longest_chains({1: 1, 2: 1}, {1: {2}, 2: {1}}) == set()


def _chains(org, requirement):
    """1 (Tue 1 – Thu 3 Dec, 3 days) -> 2 (Fri 4 – Mon 7 Dec: 4 calendar, 2 working days);
    3 (Tue 1 – Mon 7 Dec: 7 calendar, 5 working days); 4 cancelled-free filler after 3."""
    first = make_task(
        org, requirement, "1", planned_start=D(2026, 12, 1), planned_end=D(2026, 12, 3)
    )
    second = make_task(
        org,
        requirement,
        "2",
        planned_start=D(2026, 12, 4),
        planned_end=D(2026, 12, 7),
        depends_on=[first],
    )
    third = make_task(
        org, requirement, "3", planned_start=D(2026, 12, 1), planned_end=D(2026, 12, 7)
    )
    return first, second, third


def test_critical_path_counts_working_days_when_the_setting_is_on(org, confirmed, settings):
    first, second, third = _chains(org, confirmed)
    # Calendar days: 1 -> 2 is 3 + 4 = 7 days, 3 alone is 7 days: both chains tie.
    settings.COLLAB_ALERT_DAY_COUNTING = "calendar"
    assert critical_tasks([confirmed.pk]) == {first.pk, second.pk, third.pk}
    # Working days: 1 -> 2 is 3 + 2 = 5 days, 3 is 5 days: still tied; stretch 3 by a
    # weekend only (Sat 12 Dec): still 5 working days but 12 calendar days.
    task_reschedule(
        task=third,
        actor=org["users"]["mkt_head"],
        planned_start=D(2026, 12, 1),
        planned_end=D(2026, 12, 12),
    )
    assert critical_tasks([confirmed.pk]) == {third.pk}
    settings.COLLAB_ALERT_DAY_COUNTING = "working"
    assert critical_tasks([confirmed.pk]) == {third.pk}  # 9 working days against 5
    task_reschedule(
        task=third,
        actor=org["users"]["mkt_head"],
        planned_start=D(2026, 12, 5),  # Sat 5 – Mon 7 Dec: 1 working day
        planned_end=D(2026, 12, 7),
    )
    assert critical_tasks([confirmed.pk]) == {first.pk, second.pk}
    settings.COLLAB_ALERT_DAY_COUNTING = "calendar"
    assert critical_tasks([confirmed.pk]) == {first.pk, second.pk}  # 7 against 3


def test_starting_saves_a_baseline_of_every_task(org, running):
    requirement = running["requirement"]
    baseline = Baseline.objects.get(requirement=requirement)
    assert baseline.automatic and baseline.created_by == org["users"]["mkt_head"]
    assert baseline.name.startswith("开始执行基线")
    entries = {
        e.task_id: (e.planned_start, e.planned_end)
        for e in BaselineTask.objects.filter(baseline=baseline)
    }
    assert entries == {
        running["first"].pk: (D(2026, 12, 1), D(2026, 12, 10)),
        running["second"].pk: (D(2026, 12, 1), D(2026, 12, 10)),
    }


def test_gantt_and_task_api_mark_critical_and_baseline_with_slip(org, running, api):
    requirement, first, second = running["requirement"], running["first"], running["second"]
    task_reschedule(
        task=second,
        actor=org["users"]["mkt_head"],
        planned_start=D(2026, 12, 11),
        planned_end=D(2026, 12, 14),
    )
    client = api.as_user(org["users"]["prd_liaison"])
    data = client.get(f"/api/v1/requirements/{requirement.pk}/gantt/").json()
    rows = {row["code"]: row for row in data["tasks"]}
    assert rows["1"]["critical"] and rows["2"]["critical"]
    assert "bar-critical" in rows["2"]["custom_class"]
    assert rows["2"]["baseline_start"] == "2026-12-01"
    assert rows["2"]["baseline_end"] == "2026-12-10"
    assert rows["2"]["slip_days"] == 4
    assert rows["1"]["slip_days"] == 0
    assert data["baseline"] == data["baselines"][0]["id"]
    task = client.get(f"/api/v1/tasks/{second.pk}/").json()
    assert task["critical"] is True
    assert (task["baseline_start"], task["baseline_end"]) == ("2026-12-01", "2026-12-10")
    listed = client.get("/api/v1/tasks/", {"requirement": requirement.pk}).json()["results"]
    assert {row["code"]: row["critical"] for row in listed} == {"1": True, "2": True}
    assert first.pk in {row["id"] for row in listed}


def test_leader_saves_named_baselines_others_may_not(org, running, api):
    requirement = running["requirement"]
    users = org["users"]
    url = f"/api/v1/requirements/{requirement.pk}/baselines/"
    leader = api.as_user(users["mkt_head"])
    task_reschedule(
        task=running["first"],
        actor=users["mkt_head"],
        planned_start=D(2026, 12, 2),
        planned_end=D(2026, 12, 12),
    )
    answer = leader.post(url, {"name": "第一次调整"}, format="json")
    assert answer.status_code == 201, answer.content
    saved = Baseline.objects.get(pk=answer.json()["id"])
    assert saved.entries.get(task=running["first"]).planned_end == D(2026, 12, 12)
    assert leader.post(url, {"name": "第一次调整"}, format="json").status_code == 400
    assert leader.post(url, {"name": " "}, format="json").status_code == 400
    assert next(b["name"] for b in leader.get(url).json()) == "第一次调整"
    gantt = leader.get(
        f"/api/v1/requirements/{requirement.pk}/gantt/",
        {"baseline": Baseline.objects.get(automatic=True).pk},
    ).json()
    first_row = next(row for row in gantt["tasks"] if row["code"] == "1")
    assert first_row["baseline_end"] == "2026-12-10" and first_row["slip_days"] == 2
    liaison = api.as_user(users["prd_liaison"])
    assert liaison.post(url, {"name": "我的"}, format="json").status_code == 403
    outsider = api.as_user(users["ops_staff"])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"name": "x"}, format="json").status_code == 404
    assert Baseline.objects.filter(requirement=requirement).count() == 2


def test_gantt_page_shows_baselines_and_saves_one(org, running, client):
    requirement = running["requirement"]
    client.force_login(org["users"]["mkt_head"])
    page = client.get(reverse("tasks:gantt", args=[requirement.pk])).content.decode()
    assert 'id="baseline-choice"' in page and "保存基线" in page
    answer = client.post(
        reverse("tasks:baseline_create", args=[requirement.pk]), {"name": "周调整"}
    )
    saved = Baseline.objects.get(name="周调整")
    assert answer.url.endswith(f"?baseline={saved.pk}")
    client.force_login(org["users"]["prd_liaison"])
    page = client.get(reverse("tasks:gantt", args=[requirement.pk])).content.decode()
    assert reverse("tasks:baseline_create", args=[requirement.pk]) not in page
    client.post(reverse("tasks:baseline_create", args=[requirement.pk]), {"name": "不许"})
    assert not Baseline.objects.filter(name="不许").exists()
    client.force_login(org["users"]["ops_staff"])
    answer = client.post(reverse("tasks:baseline_create", args=[requirement.pk]), {"name": "x"})
    assert answer.status_code == 404
