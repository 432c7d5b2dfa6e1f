import datetime

import pytest

from collab.notifications.models import Notification
from meetings import services
from meetings.models import ActionItem, Meeting
from tasks_app.models import Task

HELD_AT = datetime.datetime(
    2026, 3, 9, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)


@pytest.fixture
def browse(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def make_meeting(requirement, users, **fields):
    values = {"held_at": HELD_AT, "agenda": "议程", "minutes": "渠道对接延迟2天"}
    values.update(fields)
    return services.meeting_create(
        requirement=requirement, actor=users["mkt_head"], kind="weekly", **values
    )


def test_requirement_meetings_tab_lists_meetings(browse, running, users):
    meeting = make_meeting(running, users)
    page = browse(users["mkt_head"]).get(f"/meetings/requirement/{running.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-tab="meetings"' in html and 'data-tab="risks"' in html
    assert f'data-meeting="{meeting.pk}"' in html
    assert "协作例会" in html


def test_weekly_meeting_form_is_prefilled_and_saves(browse, running, users, departments):
    client = browse(users["mkt_head"])
    page = client.get(f"/meetings/requirement/{running.pk}/new/?kind=weekly")
    assert page.status_code == 200
    assert "1. 延期任务（0）" in page.content.decode()
    response = client.post(
        f"/meetings/requirement/{running.pk}/new/",
        {
            "kind": "weekly",
            "title": "第1周例会",
            "held_at": "2026-03-09T10:00",
            "agenda": "进度",
            "minutes": "纪要",
            "departments": [departments["MKT"].pk],
            "attendees": [users["sal_liaison"].pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == f"/meetings/{meeting.pk}/"
    assert meeting.title == "第1周例会" and meeting.kind == "weekly"


def test_bad_form_shows_chinese_errors_and_writes_nothing(browse, running, users):
    response = browse(users["mkt_head"]).post(
        f"/meetings/requirement/{running.pk}/new/",
        {"kind": "weekly", "held_at": "", "title": "例会"},
    )
    assert response.status_code == 200
    assert "请填写会议时间" in response.content.decode()
    assert not Meeting.objects.exists()


def test_liaison_cannot_open_the_weekly_form(browse, running, users):
    client = browse(users["prd_liaison"])
    assert client.get(f"/meetings/requirement/{running.pk}/new/?kind=weekly").status_code == 403
    assert client.get(f"/meetings/requirement/{running.pk}/new/?kind=daily").status_code == 200


def test_unseen_pages_are_404(browse, running, users):
    meeting = make_meeting(running, users)
    client = browse(users["tec_head"])
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/meetings/requirement/{running.pk}/").status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/publish/").status_code == 404
    assert browse(users["cha_contact"]).get(f"/meetings/{meeting.pk}/").status_code == 404


def test_publish_and_convert_from_the_page(browse, running, users, clock):
    meeting = make_meeting(running, users)
    item = services.action_item_add(
        meeting=meeting,
        actor=users["mkt_head"],
        text="补充品牌审核环节",
        owner=users["dsn_liaison"],
        due_date=datetime.date(2026, 3, 20),
    )
    client = browse(users["mkt_head"])
    clock.move_to(HELD_AT + datetime.timedelta(hours=3))
    client.post(f"/meetings/{meeting.pk}/publish/")
    client.post(f"/meetings/{meeting.pk}/items/{item.pk}/convert/", {"to": "task"})
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "会后24小时内发布" in page
    assert "已转为" in page and "补充品牌审核环节" in page
    # The group but the publisher, and the initiator who watches the requirement.
    assert Notification.objects.filter(kind="minutes_published").count() == 5
    task = Task.objects.get()
    item.refresh_from_db()
    assert item.converted == task


def test_publish_refusal_is_a_message(browse, running, users):
    meeting = make_meeting(running, users, minutes="")
    response = browse(users["mkt_head"]).post(f"/meetings/{meeting.pk}/publish/", follow=True)
    assert "请先填写会议纪要再发布" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.published_at is None


def test_action_item_form_errors(browse, running, users):
    meeting = make_meeting(running, users)
    response = browse(users["mkt_head"]).post(
        f"/meetings/{meeting.pk}/items/new/",
        {"text": "x", "owner": users["sal_liaison"].pk, "due_date": "2026-03-01"},
    )
    assert "截止日期不能早于会议日期" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_meeting_list_page_queries_do_not_grow(
    browse, running, users, django_assert_num_queries, django_assert_max_num_queries
):
    """5 meetings and 50 meetings: the same number of queries. The count includes the
    requirement header, whose prefetches belong to the requirement register, so it is
    measured at 5 rows (bounded) and pinned for 50."""

    def add(start, stop):
        for index in range(start, stop):
            make_meeting(running, users, title=f"例会{index}", attendees=[users["sal_liaison"]])

    client = browse(users["mkt_head"])
    url = f"/meetings/requirement/{running.pk}/"
    add(0, 5)
    client.get(url)  # warm per-process caches (content types, sessions)
    with django_assert_max_num_queries(PAGE_MAX_QUERIES) as five:
        response = client.get(url)
    assert response.content.decode().count("data-meeting=") == 5
    add(5, 50)
    with django_assert_num_queries(len(five)):
        response = client.get(url)
    assert response.content.decode().count("data-meeting=") == 20  # first page of 50


PAGE_MAX_QUERIES = 20


def test_requirement_page_links_its_review_meeting(browse, org, users):
    from tests.factories import make_requirement

    requirement = make_requirement(org)
    meeting = services.meeting_record_review(
        requirement=requirement,
        actor=users["director"],
        held_on=datetime.date(2026, 3, 3),
        conclusion="同意立项",
    )
    html = browse(users["director"]).get(f"/requirements/{requirement.pk}/").content.decode()
    assert f'href="/meetings/{meeting.pk}/" id="review-meeting-link"' in html
    assert "同意立项" in html
    page = browse(users["director"]).get(f"/meetings/{meeting.pk}/")
    assert page.status_code == 200 and "需求评审会" in page.content.decode()


def test_all_meetings_page_lists_only_visible_ones(browse, running, users):
    meeting = make_meeting(running, users)
    html = browse(users["mkt_head"]).get("/meetings/").content.decode()
    assert f'data-meeting="{meeting.pk}"' in html and 'id="nav-meetings"' in html
    html = browse(users["tec_head"]).get("/meetings/").content.decode()
    assert "data-meeting=" not in html


def test_coordinator_records_the_review_meeting_from_the_requirement_page(browse, org, users):
    from tests.factories import make_requirement

    requirement = make_requirement(org)
    detail = f"/requirements/{requirement.pk}/"
    action = f"/meetings/requirement/{requirement.pk}/review/"
    assert f'action="{action}"' not in browse(users["mkt_staff"]).get(detail).content.decode()
    page = browse(users["mkt_staff"]).post(
        action, {"held_on": "2026-03-03", "conclusion": "通过"}, follow=True
    )
    assert "只有协作协调人可以记录需求评审会" in page.content.decode()
    client = browse(users["director"])
    assert f'action="{action}"' in client.get(detail).content.decode()
    page = client.post(action, {"held_on": "", "conclusion": "通过"}, follow=True)
    assert "请填写会议日期和评审结论" in page.content.decode()
    assert not Meeting.objects.exists()
    response = client.post(
        action,
        {"held_on": "2026-03-03", "conclusion": "同意立项", "attendees": [users["mkt_head"].pk]},
    )
    assert response.status_code == 302 and response.url == detail
    meeting = Meeting.objects.get(kind="review")
    assert meeting.conclusion == "同意立项"
    assert list(meeting.attendees.all()) == [users["mkt_head"]]
    html = client.get(detail).content.decode()
    assert "已记录需求评审会" in html and "同意立项" in html
