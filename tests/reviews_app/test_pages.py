"""Browser pages of step 6: acceptance and retrospective tabs, printable report,
lessons library, improvement tracker, the requirement form's lessons hint, admin."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews_app.acceptance import services as acceptance_services
from reviews_app.models import AcceptanceStatus, RetrospectiveRead
from reviews_app.retrospective import services as retrospective_services
from tests.forms import loaded_version

from .conftest import bulk_retrospectives, run_acceptance


@pytest.fixture
def as_user(client, org):
    def login(username):
        client.force_login(org["users"][username])
        return client

    return login


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_acceptance_tab_walkthrough(as_user, org, running):
    client = as_user("mkt_staff")
    url = f"/reviews/requirements/{running.pk}/acceptance/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-tab="acceptance"' in page.content.decode()

    # Empty criterion: a clear message, nothing written.
    response = client.post(
        f"/reviews/requirements/{running.pk}/criteria/", {"text": ""}, follow=True
    )
    assert "验收标准" in "".join(_messages(response))
    assert not running.acceptance_criteria.exists()
    client.post(f"/reviews/requirements/{running.pk}/criteria/", {"text": "方案含预算明细"})
    assert running.acceptance_criteria.get().text == "方案含预算明细"

    departments = org["departments"]
    response = client.post(
        f"/reviews/requirements/{running.pk}/acceptance/start/",
        {
            "accepted_on": "2026-11-20",
            "departments": [departments["MKT"].pk, departments["PRD"].pk],
        },
        follow=True,
    )
    assert "已发起成果验收" in "".join(_messages(response))
    acceptance = running.acceptances.get()
    result = acceptance.results.get()
    judge = f"/reviews/acceptances/{acceptance.pk}/results/{result.pk}/"
    version = loaded_version(client.get(url).text, judge)
    response = client.post(judge, {"passed": "0", "comment": "", "version": version}, follow=True)
    assert "不通过时请填写说明" in "".join(_messages(response))
    client.post(judge, {"passed": "1", "version": version})
    edit = f"/reviews/acceptances/{acceptance.pk}/edit/"
    client.post(
        edit,
        {
            "accepted_on": "2026-11-20",
            "departments": [departments["MKT"].pk, departments["PRD"].pk],
            "quality_rating": "good",
            "quality_comment": "数据完整",
            "version": loaded_version(client.get(url).text, edit),
        },
    )
    response = client.post(f"/reviews/acceptances/{acceptance.pk}/submit/", follow=True)
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.SIGNING
    assert 'data-slot="' in response.content.decode()

    for username, code in (("mkt_head", "MKT"), ("prd_head", "PRD")):
        as_user(username).post(
            f"/reviews/acceptances/{acceptance.pk}/sign/",
            {"decision": "approve", "department": departments[code].pk},
        )
    as_user("mkt_staff").post(f"/reviews/acceptances/{acceptance.pk}/accept/")
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.PASSED

    page = as_user("mkt_head").get(url).content.decode()
    assert 'data-transition="complete"' in page
    as_user("mkt_head").post(f"/requirements/{running.pk}/complete/")
    running.refresh_from_db()
    assert running.status == "completed"
    page = as_user("prd_liaison").get(url)
    assert page.status_code == 200  # a member of the dissolved group still reads it
    assert "协作小组已解散" in page.content.decode()


def test_unseen_requirement_pages_are_404(as_user, running):
    client = as_user("ops_staff")
    for path in ("acceptance/", "retrospective/", "report/"):
        assert client.get(f"/reviews/requirements/{running.pk}/{path}").status_code == 404
    assert (
        client.post(f"/reviews/requirements/{running.pk}/criteria/", {"text": "x"}).status_code
        == 404
    )


def test_fail_with_rework_from_the_page(as_user, org, running):
    acceptance_services.criterion_add(
        requirement=running, actor=org["users"]["mkt_staff"], text="方案"
    )
    acceptance = acceptance_services.acceptance_create(
        requirement=running,
        actor=org["users"]["mkt_staff"],
        accepted_on=datetime.date(2026, 11, 20),
        departments=[org["departments"]["MKT"]],
    )
    client = as_user("mkt_head")
    response = client.post(
        f"/reviews/acceptances/{acceptance.pk}/fail/",
        {"reason": "", "rework-0-name": "补充预案"},
        follow=True,
    )
    assert "必须填写原因" in "".join(_messages(response))
    client.post(
        f"/reviews/acceptances/{acceptance.pk}/fail/",
        {
            "reason": "缺少风险预案",
            "rework-0-name": "补充风险预案",
            "rework-0-owner": org["users"]["prd_liaison"].pk,
            "rework-0-planned_start": "2026-12-01",
            "rework-0-planned_end": "2026-12-05",
        },
    )
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.FAILED
    assert running.tasks.filter(name="补充风险预案").exists()


def test_retrospective_tab_deadline_metrics_and_report(as_user, org, running):
    client = as_user("mkt_head")
    page = client.get(f"/reviews/requirements/{running.pk}/retrospective/").content.decode()
    assert 'id="no-retrospective"' in page
    retrospective = run_acceptance(org, running).retrospective
    url = f"/reviews/requirements/{running.pk}/retrospective/"
    page = client.get(url).content.decode()
    assert "复盘截止日期：2026-11-27" in page
    rid = retrospective.pk
    client.post(
        f"/reviews/retrospectives/{rid}/metrics/",
        {"name": "销售额", "unit": "万元", "target": "500", "actual": "520"},
    )
    client.post(
        f"/reviews/retrospectives/{rid}/metrics/",
        {"name": "用户参与量", "unit": "万人次", "target": "12", "actual": "15"},
    )
    response = client.post(
        f"/reviews/retrospectives/{rid}/metrics/",
        {"name": "x", "unit": "", "target": "abc", "actual": "1"},
        follow=True,
    )
    assert _messages(response)  # refused with a message
    assert retrospective.metrics.count() == 2
    client.post(
        f"/reviews/retrospectives/{rid}/findings/", {"kind": "problem", "text": "数据监测反馈延迟"}
    )
    edit = f"/reviews/retrospectives/{rid}/edit/"
    client.post(
        edit,
        {
            "held_on": "2026-11-25",
            "reviewer": org["users"]["mkt_staff"].pk,
            "version": loaded_version(client.get(url).text, edit),
        },
    )
    client.post(
        f"/reviews/retrospectives/{rid}/improvements/",
        {
            "action": "建立数据日报机制",
            "owner": org["users"]["tec_staff"].pk,
            "due_date": "2026-12-31",
        },
    )
    page = client.get(url).content.decode()
    assert "104%" in page and "超额4%" in page and "125%" in page and "超额25%" in page
    client.post(f"/reviews/retrospectives/{rid}/confirm/")
    retrospective.refresh_from_db()
    assert retrospective.status == "confirmed"

    # Shared: an outsider (internal) reads the printable report; a receipt is kept.
    report = as_user("ops_head").get(f"/reviews/requirements/{running.pk}/report/")
    assert report.status_code == 200
    html = report.content.decode()
    assert "成果验收与复盘表" in html and "超额25%" in html
    # the print layout is a static stylesheet (the CSP allows no inline <style>)
    assert "reviews_app/report.css" in html
    from pathlib import Path

    import reviews_app

    css = Path(reviews_app.__file__).parent / "static" / "reviews_app" / "report.css"
    assert "@media print" in css.read_text()
    assert RetrospectiveRead.objects.filter(
        retrospective=retrospective, user=org["users"]["ops_head"]
    ).exists()
    page = as_user("mkt_head").get(url).content.decode()
    assert 'data-reader="ops_head"' in page and "已读" in page


def test_lessons_library_search_and_partner_refusal(as_user, org):
    bulk_retrospectives(org, 3, prefix="2025-MKT")
    client = as_user("ops_staff")
    tec = org["departments"]["TEC"].pk
    page = client.get(f"/reviews/lessons/?department={tec}&q=数据监测").content.decode()
    assert page.count('data-requirement="') == 3
    assert (
        client.get("/reviews/lessons/?q=不存在的关键词")
        .content.decode()
        .count('data-requirement="')
        == 0
    )
    ops = org["departments"]["OPS"].pk
    assert (
        client.get(f"/reviews/lessons/?department={ops}")
        .content.decode()
        .count('data-requirement="')
        == 0
    )
    assert as_user("cha_contact").get("/reviews/lessons/").status_code == 404


def test_requirement_form_shows_lessons_for_selected_departments(as_user, org):
    bulk_retrospectives(org, 2, prefix="2025-MKT")
    client = as_user("mkt_staff")
    form = client.get("/requirements/new/").content.decode()
    assert 'hx-get="/reviews/lessons/hint/"' in form
    tec, ops = org["departments"]["TEC"].pk, org["departments"]["OPS"].pk
    hint = client.get(f"/reviews/lessons/hint/?departments={tec}").content.decode()
    assert "建立数据日报机制" in hint and "problem-数据监测" in hint
    assert client.get(f"/reviews/lessons/hint/?departments={ops}").content.decode().strip() == ""


@pytest.mark.parametrize(
    ("path", "username"),
    [("/reviews/lessons/", "ops_staff"), ("/reviews/improvements/", "tec_head")],
)
def test_list_pages_run_constant_queries(as_user, org, django_assert_num_queries, path, username):
    client = as_user(username)
    bulk_retrospectives(org, 5, prefix="2025-MKT")
    client.get(path)
    with CaptureQueriesContext(connection) as five:
        response = client.get(path)
    assert response.status_code == 200
    bulk_retrospectives(org, 45, prefix="2025-PRD")
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(path)
    assert len(response.context["page_obj"]) == 20 if "lessons" in path else 30


def test_admin_pages_and_transition_buttons(client, org, running):
    admin = org["users"]["admin"]
    client.force_login(admin)
    retrospective = run_acceptance(org, running).retrospective
    action = retrospective_services.improvement_add(
        retrospective=retrospective,
        actor=org["users"]["mkt_head"],
        data={
            "action": "日报",
            "owner": org["users"]["tec_staff"],
            "due_date": datetime.date(2026, 12, 1),
        },
    )
    for model in (
        "acceptance",
        "retrospective",
        "improvementaction",
        "metric",
        "finding",
        "acceptancecriterion",
    ):
        assert client.get(f"/admin/reviews_app/{model}/").status_code == 200
    change = client.get(f"/admin/reviews_app/acceptance/{retrospective.acceptance_id}/change/")
    assert change.status_code == 200
    form = {
        "_fsm_transition_to": "start",
        "retrospective": retrospective.pk,
        "action": "日报",
        "owner_department": action.owner_department_id,
        "owner": action.owner_id,
        "due_date": "2026-12-01",
        "result": "",
        "position": 1,
    }
    # The superuser is not the owner, the department head, the leader or the
    # coordinator: the service refuses with a message and the status stays.
    response = client.post(
        f"/admin/reviews_app/improvementaction/{action.pk}/change/", form, follow=True
    )
    assert "您没有执行该操作的权限" in "".join(_messages(response))
    action.refresh_from_db()
    assert action.status == "open"
    director = org["users"]["director"]
    director.is_staff = director.is_superuser = True
    director.save()
    client.force_login(director)
    response = client.post(f"/admin/reviews_app/improvementaction/{action.pk}/change/", form)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
