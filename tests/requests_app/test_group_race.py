"""Parallel additions to a collaboration group: one wins, the others answer 409 with the
reason, never a server error."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from collab.accounts.services import token_issue
from requests_app.models import GroupMember
from tests.conftest import require_postgres
from tests.factories import UserFactory, make_requirement


def race(monkeypatch, requirement, coordinator, bodies) -> list:
    """POST every body to the group endpoint at once. Each request waits after reading
    the group (nobody holds the role yet) until all have read it, then writes: the race
    the database's unique constraints decide."""
    writers = len(bodies)
    barrier = threading.Barrier(writers)
    real_get_or_create = GroupMember.objects.get_or_create

    def get_or_create_after_all_have_read(**kwargs):
        barrier.wait(timeout=30)
        return real_get_or_create(**kwargs)

    monkeypatch.setattr(GroupMember.objects, "get_or_create", get_or_create_after_all_have_read)
    keys = [token_issue(user=coordinator)[1] for _ in bodies]
    answers: list = []
    lock = threading.Lock()

    def post(index: int) -> None:
        try:
            client = APIClient()
            client.raise_request_exception = False
            client.credentials(HTTP_AUTHORIZATION=f"Token {keys[index]}")
            response = client.post(f"/api/v1/requirements/{requirement.pk}/group/", bodies[index])
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_parallel_leader_and_liaison_adds_have_one_winner_and_409s(org, monkeypatch):
    require_postgres()
    requirement = make_requirement(org)
    users, departments = org["users"], org["departments"]
    coordinator = users["director"]

    heads = ["mkt_head", "prd_head", "sal_head", "dsn_head", "tec_head"]
    answers = race(
        monkeypatch,
        requirement,
        coordinator,
        [{"user": users[name].pk, "role": "leader"} for name in heads],
    )
    assert sorted(status for status, _body in answers) == [201, 409, 409, 409, 409]
    for status, body in answers:
        if status == 409:
            assert body["reasons"] == ["本需求的协作小组已有组长"]
            assert body["detail"]
    assert requirement.members.filter(role="leader").count() == 1

    prd = departments["PRD"]
    candidates = [UserFactory(department=prd, username=f"prd_candidate{i}") for i in range(10)]
    answers = race(
        monkeypatch,
        requirement,
        coordinator,
        [{"user": user.pk, "role": "liaison"} for user in candidates],
    )
    assert sorted(status for status, _body in answers) == [201] + [409] * 9
    assert {tuple(body["reasons"]) for status, body in answers if status == 409} == {
        ("该部门在本需求的协作小组中已有接口人",)
    }
    assert requirement.members.filter(role="liaison", department=prd).count() == 1
