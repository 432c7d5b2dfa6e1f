"""The in-app inbox: header count, list, mark read / all read, link to the object;
the `notifications/` API; channel choices. Only one's own notifications are visible."""

import pytest

from collab.notifications.models import ChannelPreference, Notification

pytestmark = pytest.mark.django_db


def fill(user, count, **fields):
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="task_due_soon",
                message=f"任务 {i} 将于明天到期",
                target=f"/tasks/{i}/",
                **fields,
            )
            for i in range(count)
        ]
    )


@pytest.mark.parametrize("rows", [5, 50])
def test_inbox_page_runs_a_constant_number_of_queries(client, org, rows, django_assert_num_queries):
    user = org["users"]["dsn_head"]
    fill(user, rows)
    client.force_login(user)
    # session, user, count, page, header unread count, the page header's departments
    with django_assert_num_queries(6):
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.content.decode().count('data-unread="1"') == min(rows, 30)
    assert f'id="unread-count">{rows}<' in response.content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_api_list_runs_a_constant_number_of_queries(api, org, rows, django_assert_num_queries):
    user = org["users"]["dsn_head"]
    fill(user, rows)
    client = api.as_user(user)
    with django_assert_num_queries(3):  # token, count, page
        response = client.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert response.json()["count"] == rows
    first = response.json()["results"][0]
    assert set(first) == {
        "id",
        "kind",
        "kind_display",
        "message",
        "target",
        "created_at",
        "read_at",
        "action",
        "action_done",
    }
    assert first["kind_display"] == "任务到期前1天提醒"


def test_mark_read_and_read_all_on_pages(client, org):
    user, other = org["users"]["dsn_head"], org["users"]["sal_head"]
    fill(user, 3)
    fill(other, 1)
    mine = Notification.objects.filter(recipient=user).order_by("id")
    theirs = Notification.objects.get(recipient=other)
    client.force_login(user)

    response = client.post(f"/notifications/{mine[0].pk}/read/")
    assert response.status_code == 302 and response["Location"] == mine[0].target
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert client.get("/notifications/?unread=1").content.decode().count('data-unread="1"') == 2

    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{theirs.pk}/read/").status_code == 405
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_external_target_never_redirects_off_site(client, org):
    user = org["users"]["dsn_head"]
    note = Notification.objects.create(
        recipient=user, kind="x", message="m", target="https://evil.example/"
    )
    client.force_login(user)
    response = client.post(f"/notifications/{note.pk}/read/")
    assert response["Location"] == "/notifications/"


def test_api_mark_read_read_all_and_visibility(api, org):
    user, other = org["users"]["dsn_head"], org["users"]["sal_head"]
    fill(user, 2)
    fill(other, 1)
    client = api.as_user(user)
    theirs = Notification.objects.get(recipient=other)
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404

    mine = Notification.objects.filter(recipient=user).first()
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    api.credentials()
    assert api.get("/api/v1/notifications/").status_code in (401, 403)


def test_channel_preferences_api_and_page(api, client, org):
    user = org["users"]["dsn_head"]
    rest = api.as_user(user)
    assert rest.get("/api/v1/notifications/preferences/").json() == {
        "inbox": True,
        "email": True,
        "robots": True,
        "digest": True,
        "work_notice": "",
    }
    response = rest.patch("/api/v1/notifications/preferences/", {"email": False}, format="json")
    assert response.status_code == 200 and response.json()["email"] is False
    bad = rest.put("/api/v1/notifications/preferences/", {"inbox": "maybe"}, format="json")
    assert bad.status_code == 400 and "inbox" in bad.json()
    assert ChannelPreference.objects.get(user=user).inbox is True

    client.force_login(user)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and "通知渠道设置" in page.content.decode()
    client.post("/notifications/preferences/", {"inbox": "on", "robots": "on"})
    preference = ChannelPreference.objects.get(user=user)
    assert (preference.inbox, preference.email, preference.robots, preference.digest) == (
        True,
        False,
        True,
        False,
    )


def test_pages_need_login(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/preferences/").status_code == 302
