"""Admin: every model has its pages and history; transitions go through the services
(with their permission checks), those that need a reason ask for it in a form."""

import pytest
from django.urls import reverse

from tasks_app.models import Plan, Task, TaskStatus
from tasks_app.services import task_start


@pytest.fixture
def leader_admin(org, client):
    leader = org["users"]["mkt_head"]
    leader.is_staff = leader.is_superuser = True
    leader.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(leader)
    return client


def test_admin_pages_and_history(leader_admin, running):
    task = running["first"]
    from tasks_app.plan_services import plan_create

    plan = plan_create(
        requirement=running["requirement"],
        actor=running["requirement"].coordinator,
        title="总体方案",
        body="步骤",
    )
    for model, obj in ((Task, task), (Plan, plan)):
        name = model._meta.model_name
        assert leader_admin.get(reverse(f"admin:tasks_app_{name}_changelist")).status_code == 200
        for view in ("change", "history"):
            url = reverse(f"admin:tasks_app_{name}_{view}", args=[obj.pk])
            assert leader_admin.get(url).status_code == 200, (name, view)
    for name in ("progressupdate", "plancomment", "planversion"):
        assert leader_admin.get(reverse(f"admin:tasks_app_{name}_changelist")).status_code == 200


def test_admin_transition_with_reason_form(leader_admin, org, running):
    task = task_start(task=running["first"], actor=org["users"]["prd_liaison"])
    url = reverse("admin:tasks_app_task_transition", args=[task.pk, "block"])
    assert leader_admin.get(url).status_code == 200
    response = leader_admin.post(url, {"reason": ""})
    assert response.status_code == 200  # the form asks again
    leader_admin.post(url, {"reason": "等待素材"})
    task.refresh_from_db()
    assert (task.status, task.block_reason) == (TaskStatus.BLOCKED, "等待素材")
    assert task.history.order_by("-history_id").first().history_user == org["users"]["mkt_head"]


def test_admin_transition_still_checks_permission(org, client, running):
    task = task_start(task=running["first"], actor=org["users"]["prd_liaison"])
    client.force_login(org["users"]["admin"])  # a superuser outside the group
    url = reverse("admin:tasks_app_task_transition", args=[task.pk, "cancel"])
    response = client.post(url, {"reason": "x"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["FSM transition 'cancel' is not allowed."]
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
