import datetime

import pytest

from meetings import services
from meetings.models import Meeting
from tasks_app.models import Task

HELD = "2026-03-09T10:00:00+08:00"
HELD_AT = datetime.datetime.fromisoformat(HELD)


def make_meeting(requirement, users, departments=(), **fields):
    values = {"held_at": HELD_AT, "agenda": "议程", "minutes": "纪要"}
    values.update(fields)
    return services.meeting_create(
        requirement=requirement,
        actor=users["mkt_head"],
        kind="weekly",
        departments=departments,
        attendees=[users["mkt_head"], users["sal_liaison"]],
        **values,
    )


def test_create_list_and_detail(api, running, users, departments):
    client = api.as_user(users["mkt_head"])
    response = client.post(
        "/api/v1/meetings/",
        {
            "requirement": running.pk,
            "kind": "kickoff",
            "held_at": HELD,
            "title": "启动会",
            "attendees": [users["prd_liaison"].pk],
            "departments": [departments["PRD"].pk, departments["MKT"].pk],
            "agenda": "分工",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "kickoff" and body["kind_display"] == "启动会"
    assert body["organizer"] == users["mkt_head"].pk
    assert sorted(body["departments"]) == sorted([departments["PRD"].pk, departments["MKT"].pk])
    assert body["published_at"] is None and body["published_in_time"] is None
    detail = client.get(f"/api/v1/meetings/{body['id']}/")
    assert detail.status_code == 200 and detail["ETag"]
    listing = client.get("/api/v1/meetings/", {"kind": "kickoff", "requirement": running.pk})
    assert listing.json()["count"] == 1


def test_bad_input_answers_field_errors(api, running, users):
    client = api.as_user(users["mkt_head"])
    response = client.post(
        "/api/v1/meetings/",
        {"requirement": running.pk, "kind": "weekly", "held_at": "yesterday"},
        format="json",
    )
    assert response.status_code == 400
    assert "held_at" in response.json()
    response = client.post(
        "/api/v1/meetings/",
        {"requirement": running.pk, "kind": "review", "held_at": HELD},
        format="json",
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_unseen_requirement_and_meetings_are_404(api, running, users, departments):
    meeting = make_meeting(running, users)
    outsider = api.as_user(users["tec_head"])
    assert outsider.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    assert outsider.get("/api/v1/meetings/").json()["count"] == 0
    response = outsider.post(
        "/api/v1/meetings/",
        {"requirement": running.pk, "kind": "daily", "held_at": HELD},
        format="json",
    )
    assert response.status_code == 400 and "requirement" in response.json()
    # A partner sees only the meetings they or their company attend.
    partner = api.as_user(users["cha_contact"])
    assert partner.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    shared = make_meeting(running, users, departments=[departments["CHA"]])
    assert partner.get(f"/api/v1/meetings/{shared.pk}/").status_code == 200


def test_publish_action_items_and_convert(api, running, users):
    meeting = make_meeting(running, users)
    client = api.as_user(users["mkt_head"])
    response = client.post(f"/api/v1/meetings/{meeting.pk}/publish/")
    assert response.status_code == 200
    assert response.json()["published_at"] and response.json()["published_in_time"] is True
    assert client.post(f"/api/v1/meetings/{meeting.pk}/publish/").status_code == 400
    response = client.post(
        f"/api/v1/meetings/{meeting.pk}/action-items/",
        {"text": "加急对接", "owner": users["sal_liaison"].pk, "due_date": "2026-03-12"},
        format="json",
    )
    assert response.status_code == 201
    item_id = response.json()["id"]
    bad = client.post(
        f"/api/v1/meetings/{meeting.pk}/action-items/",
        {"text": "加急对接", "owner": users["sal_liaison"].pk, "due_date": "2026-03-01"},
        format="json",
    )
    assert bad.status_code == 400 and "due_date" in bad.json()
    owner = api.as_user(users["sal_liaison"])
    assert owner.post(f"/api/v1/action-items/{item_id}/convert/").status_code == 403
    converted = api.as_user(users["mkt_head"]).post(f"/api/v1/action-items/{item_id}/convert/")
    assert converted.status_code == 201
    assert converted.json()["type"] == "tasks_app.task"
    task = Task.objects.get(pk=converted.json()["id"])
    assert task.owner == users["sal_liaison"]
    item = api.as_user(users["mkt_head"]).get(f"/api/v1/action-items/{item_id}/").json()
    assert item["converted"]["id"] == task.pk
    owner = api.as_user(users["sal_liaison"])  # one client: switch back to the owner
    patched = owner.patch(f"/api/v1/action-items/{item_id}/", {"status": "done"}, format="json")
    assert patched.status_code == 200 and patched.json()["status"] == "done"


def test_etag_protects_edits_and_history_lists_changes(api, running, users):
    meeting = make_meeting(running, users)
    client = api.as_user(users["mkt_head"])
    etag = client.get(f"/api/v1/meetings/{meeting.pk}/")["ETag"]
    first = client.patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"minutes": "新纪要"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert first.status_code == 200
    stale = client.patch(
        f"/api/v1/meetings/{meeting.pk}/", {"minutes": "覆盖"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    meeting.refresh_from_db()
    assert meeting.minutes == "新纪要"
    history = client.get(f"/api/v1/meetings/{meeting.pk}/history/").json()
    assert history[0]["reason"] == "修改会议记录"
    change = next(c for c in history[0]["changes"] if c["field"] == "minutes")
    assert (change["old"], change["new"]) == ("纪要", "新纪要")
    # A liaison may not edit the leader's meeting.
    other = api.as_user(users["prd_liaison"])
    assert other.patch(f"/api/v1/meetings/{meeting.pk}/", {"minutes": "x"}).status_code == 403


def _fill(requirement, users, departments, count):
    for index in range(count):
        meeting = make_meeting(
            requirement, users, departments=[departments["MKT"], departments["SAL"]]
        )
        item = services.action_item_add(
            meeting=meeting,
            actor=users["mkt_head"],
            text=f"待办{index}",
            owner=users["sal_liaison"],
            due_date=datetime.date(2026, 3, 20),
        )
        if index % 5 == 0:
            services.action_item_convert(item=item, actor=users["mkt_head"])


@pytest.mark.parametrize("count", [5, 50])
def test_list_endpoint_queries_do_not_grow(
    api, running, users, departments, count, django_assert_num_queries
):
    _fill(running, users, departments, count)
    client = api.as_user(users["mkt_head"])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/v1/meetings/", {"page_size": 100})
    assert response.json()["count"] == count
    with django_assert_num_queries(ITEM_QUERIES):
        response = client.get("/api/v1/action-items/", {"page_size": 100})
    assert response.json()["count"] == count


# token, count, rows, departments, attendees, action items with owners, converted tasks
LIST_QUERIES = 9
ITEM_QUERIES = 5
