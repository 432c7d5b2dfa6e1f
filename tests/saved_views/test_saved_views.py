"""Saved views of the task and risk registers: own or shared with the group, on the
workbench, through pages and API, with visibility checked."""

import pytest
from django.urls import reverse

from saved_views.models import SavedView
from saved_views.services import saved_view_create
from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture
def requirement(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    return confirm_requirement(org, requirement)


def test_register_page_saves_current_filters_and_sorting(org, requirement, client):
    users = org["users"]
    register = reverse("tasks:register", args=[requirement.pk])
    client.force_login(users["mkt_head"])
    page = client.get(register, {"status": "blocked", "sort": "delay", "page": "2", "x": "1"})
    html = page.content.decode()
    assert 'name="query" value="status=blocked&amp;sort=delay"' in html
    answer = client.post(
        reverse("saved_views:save"),
        {
            "register": "tasks",
            "requirement": requirement.pk,
            "name": "阻塞按延期",
            "query": "status=blocked&sort=delay&page=2&x=1",
            "shared": "1",
        },
    )
    view = SavedView.objects.get(name="阻塞按延期")
    assert (view.query, view.shared, view.owner) == (
        "status=blocked&sort=delay",
        True,
        users["mkt_head"],
    )
    assert answer.url == f"{register}?status=blocked&sort=delay"
    # Shared with the group: a liaison sees it on the register and on the workbench.
    client.force_login(users["prd_liaison"])
    assert f'data-view="{view.pk}"' in client.get(register).content.decode()
    assert f'data-view="{view.pk}"' in client.get("/").content.decode()
    # Not the owner: cannot delete it.
    client.post(reverse("saved_views:delete", args=[view.pk]))
    assert SavedView.objects.filter(pk=view.pk).exists()
    # Bad input changes nothing.
    client.post(reverse("saved_views:save"), {"register": "tasks", "name": " "})
    client.post(reverse("saved_views:save"), {"register": "nope", "name": "x"})
    assert SavedView.objects.count() == 1
    # Outside the requirement: 404 for saving into it and for deleting.
    client.force_login(users["ops_staff"])
    answer = client.post(
        reverse("saved_views:save"),
        {"register": "tasks", "requirement": requirement.pk, "name": "偷看"},
    )
    assert answer.status_code == 404
    assert client.post(reverse("saved_views:delete", args=[view.pk])).status_code == 404
    assert f'data-view="{view.pk}"' not in client.get("/").content.decode()
    client.force_login(users["mkt_head"])
    client.post(reverse("saved_views:delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_private_views_and_the_risk_register(org, requirement, client):
    users = org["users"]
    mine = saved_view_create(
        actor=users["prd_liaison"],
        register="risks",
        requirement=requirement,
        name="高影响",
        query="impact=high&sort=impact&status=",
    )
    assert mine.query == "impact=high&sort=impact"
    risks = reverse("risks:requirement", args=[requirement.pk])
    client.force_login(users["prd_liaison"])
    assert f'data-view="{mine.pk}"' in client.get(risks).content.decode()
    assert client.get(risks, {"sort": "impact"}).status_code == 200
    client.force_login(users["mkt_head"])
    assert f'data-view="{mine.pk}"' not in client.get(risks).content.decode()
    # Sharing needs a requirement of one's group.
    answer = client.post(
        reverse("saved_views:save"), {"register": "risks", "name": "全部", "shared": "1"}
    )
    assert answer.status_code == 302
    assert not SavedView.objects.filter(name="全部").exists()


def test_api(org, requirement, api):
    users = org["users"]
    leader = api.as_user(users["mkt_head"])
    body = {
        "register": "tasks",
        "requirement": requirement.pk,
        "name": "我的逾期",
        "query": "overdue=1&page=3",
        "shared": True,
    }
    answer = leader.post("/api/v1/saved-views/", body, format="json")
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert created["query"] == "overdue=1"
    assert created["url"] == f"/tasks/requirement/{requirement.pk}/?overdue=1"
    assert leader.post("/api/v1/saved-views/", body, format="json").status_code == 400
    assert (
        leader.post("/api/v1/saved-views/", {**body, "name": ""}, format="json").status_code == 400
    )
    outsider = api.as_user(users["ops_staff"])
    assert outsider.post("/api/v1/saved-views/", body, format="json").status_code == 400
    assert outsider.get(f"/api/v1/saved-views/{created['id']}/").status_code == 404
    liaison = api.as_user(users["prd_liaison"])
    assert [v["id"] for v in liaison.get("/api/v1/saved-views/").json()["results"]] == [
        created["id"]
    ]
    assert liaison.delete(f"/api/v1/saved-views/{created['id']}/").status_code == 403
    leader = api.as_user(users["mkt_head"])  # one client: credentials of the last as_user
    assert leader.delete(f"/api/v1/saved-views/{created['id']}/").status_code == 204
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("rows", [5, 50])
def test_list_queries_are_constant(org, requirement, api, rows, django_assert_num_queries):
    users = org["users"]
    for index in range(rows):
        saved_view_create(
            actor=users["mkt_head"] if index % 2 else users["prd_liaison"],
            register="tasks" if index % 3 else "risks",
            requirement=requirement,
            name=f"视图{index}",
            query="status=blocked",
            shared=True,
        )
    client = api.as_user(users["sal_liaison"])
    with django_assert_num_queries(4):
        answer = client.get("/api/v1/saved-views/", {"page_size": 100})
    assert answer.json()["count"] == rows
