import datetime

import pytest

from meetings.models import Meeting
from risks_app.models import Risk
from risks_app.services import risk_resolve

from .conftest import make_risk


@pytest.fixture
def staff_director(users):
    director = users["director"]
    director.is_staff = True
    director.is_superuser = True
    director.save(update_fields=["is_staff", "is_superuser"])
    return director


def test_admin_pages_load(client, org, running, users, staff_director):
    risk = make_risk(org, running)
    client.force_login(staff_director)
    assert client.get("/admin/risks_app/risk/").status_code == 200
    page = client.get(f"/admin/risks_app/risk/{risk.pk}/change/")
    assert page.status_code == 200
    assert "开始处理" in page.content.decode()
    assert client.get("/admin/meetings/meeting/").status_code == 200
    assert client.get("/admin/meetings/actionitem/").status_code == 200


def test_admin_transition_buttons_run_the_services(client, org, running, users, staff_director):
    risk = make_risk(org, running)
    risk = risk_resolve(
        risk=risk,
        actor=users["mkt_head"],
        measures="措施",
        actual_resolution=datetime.date(2026, 3, 3),
    )
    client.force_login(staff_director)
    url = f"/admin/risks_app/risk/{risk.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "requirement": running.pk,
            "owner_department": risk.owner_department_id,
            "owner": risk.owner_id,
            "reallocations-TOTAL_FORMS": 0,
            "reallocations-INITIAL_FORMS": 0,
            "_fsm_transition_to": "close",
        }
    )
    data.pop("task", None)
    client.post(url, data)
    risk.refresh_from_db()
    assert risk.status == "closed"
    assert risk.history.first().history_change_reason == "关闭记录"


def test_admin_publish_action_uses_the_service(client, running, users, staff_director):
    meeting = Meeting.objects.create(
        requirement=running,
        kind="weekly",
        organizer=staff_director,
        held_at=datetime.datetime.fromisoformat("2026-03-09T10:00:00+08:00"),
        minutes="",
    )
    client.force_login(staff_director)
    response = client.post(
        "/admin/meetings/meeting/",
        {"action": "publish_minutes", "_selected_action": [meeting.pk]},
        follow=True,
    )
    assert "请先填写会议纪要再发布" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.published_at is None
    assert Risk.objects.count() == 0
