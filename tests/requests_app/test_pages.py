"""Requirement pages: list with filters, the template-1 form, detail with sign-offs and buttons."""

import re

import pytest
from django.urls import reverse

from collab.signoffs.models import SignOff
from requests_app.models import GroupMember, Requirement, RequirementStatus
from requests_app.selectors import review_slots
from tests.factories import confirm_requirement, form_group, make_requirement
from tests.forms import loaded_version

pytestmark = pytest.mark.django_db

LIST = reverse("requirements:list")
CREATE = reverse("requirements:create")


def login(client, org, username):
    client.force_login(org["users"][username])
    return client


def form_data(org, **overrides):
    departments = org["departments"]
    data = {
        "initiating_department": departments["MKT"].pk,
        "contact_info": "1385678",
        "topic": "双十一联合促销",
        "goal": "活动期间销售额达到800万元",
        "departments": [departments["PRD"].pk, departments["SAL"].pk],
        "expected_outcomes": "活动方案",
        "start_date": "2026-10-01",
        "end_date": "2026-11-30",
        "resources": "预算30万元",
        "priority": "P0",
        "coordinator": org["users"]["director"].pk,
        "remarks": "",
    }
    data.update(overrides)
    return data


def transition_buttons(html: str) -> list[str]:
    """The lifecycle buttons of the page's 操作 card (the next-action line above repeats
    the one that moves the requirement on; tests/requests_app/test_stage.py)."""
    card = html.split('id="transitions"', 1)[1] if 'id="transitions"' in html else ""
    return re.findall(r'data-transition="(\w+)"', card)


@pytest.mark.parametrize(
    "url",
    [LIST, CREATE, "/requirements/1/", "/requirements/1/edit/"],
)
def test_login_required(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_and_bad_password(client, org):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and "登录" in page.text
    wrong = client.post(reverse("login"), {"username": "mkt_staff", "password": "nope"})
    assert "用户名或密码不正确" in wrong.text
    ok = client.post(reverse("login"), {"username": "mkt_staff", "password": "collab-demo"})
    assert ok.status_code == 302


def test_list_shows_the_register_columns_and_filters(client, org):
    first = make_requirement(org, topic="渠道联合推广", priority="P0")
    second = make_requirement(org, topic="内部培训计划", priority="P2", departments=("DSN",))
    confirm_requirement(org, second)
    unseen = make_requirement(
        org,
        actor=org["users"]["tec_head"],
        initiating_department=org["departments"]["TEC"],
        departments=("OPS",),
        topic="运维升级",
    )
    login(client, org, "mkt_staff")
    page = client.get(LIST).text
    for header in (
        "需求编号",
        "发起部门",
        "协作主题",
        "涉及部门",
        "时间节点",
        "需求优先级",
        "需求状态",
    ):
        assert header in page
    assert first.number in page and second.number in page
    assert unseen.topic not in page  # mkt_staff does not see TEC's requirement
    assert "渠道商A公司、产品部、销售部" in page

    def topics(**params):
        html = client.get(LIST, params).text
        return [t for t in ("渠道联合推广", "内部培训计划") if t in html]

    assert topics(status="confirmed") == ["内部培训计划"]
    assert topics(priority="P0") == ["渠道联合推广"]
    assert topics(department=org["departments"]["DSN"].pk) == ["内部培训计划"]
    assert topics(department=org["departments"]["MKT"].pk) == ["渠道联合推广", "内部培训计划"]
    assert topics(q="渠道") == ["渠道联合推广"]
    assert topics(q=second.number) == ["内部培训计划"]
    assert "没有符合条件的需求" in client.get(LIST, {"q": "不存在"}).text
    # Unknown filter values are ignored rather than failing.
    assert (
        client.get(LIST, {"status": "bogus", "department": "x", "page": "abc"}).status_code == 200
    )


def test_list_paginates_and_keeps_filters(client, org):
    for index in range(23):
        make_requirement(org, topic=f"需求{index:02d}", priority="P1")
    login(client, org, "director")
    first = client.get(LIST, {"priority": "P1"}).text
    assert "1 / 2" in first
    assert "page=2" in first and "priority=P1" in first
    second = client.get(LIST, {"priority": "P1", "page": 2}).text
    assert "2 / 2" in second
    assert second.count("/requirements/") - second.count("/requirements/new/") >= 3


def test_create_through_the_form(client, org):
    login(client, org, "mkt_staff")
    page = client.get(CREATE).text
    assert "跨部门协作需求登记表" in page and "提交评审" in page
    response = client.post(CREATE, form_data(org))
    requirement = Requirement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requirements:detail", args=[requirement.pk])
    assert requirement.contact == org["users"]["mkt_staff"]
    assert requirement.status == RequirementStatus.PENDING_REVIEW
    detail = client.get(response["Location"]).text
    assert f"需求 {requirement.number} 已提交，等待评审" in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"topic": ""}, "该字段是必填项。"),
        ({"goal": "   "}, "该字段是必填项。"),
        ({"departments": []}, "请至少选择一个涉及部门"),
        ({"start_date": "2026-12-01", "end_date": "2026-11-01"}, "结束日期不能早于开始日期"),
        ({"coordinator": "prd_head"}, "选择一个有效的选项"),
        ({"start_date": "2026-13-45"}, "输入一个有效的日期。"),
    ],
)
def test_create_form_errors_in_chinese_and_nothing_written(client, org, overrides, message):
    if overrides.get("coordinator") == "prd_head":
        overrides["coordinator"] = org["users"]["prd_head"].pk
    login(client, org, "mkt_staff")
    response = client.post(CREATE, form_data(org, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert "invalid-feedback" in response.text
    assert not Requirement.objects.exists()


def test_partner_cannot_open_the_form(client, org):
    login(client, org, "cha_contact")
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(org)).status_code == 403
    assert "发起需求" not in client.get(LIST).text
    assert not Requirement.objects.exists()


def test_detail_shows_status_signoffs_and_only_runnable_buttons(client, org):
    requirement = make_requirement(org)
    url = reverse("requirements:detail", args=[requirement.pk])

    login(client, org, "mkt_staff")
    page = client.get(url).text
    assert 'id="requirement-status">待评审<' in page
    for label in ("协作协调人", "市场部负责人", "产品部负责人", "销售部负责人"):
        assert label in page
    assert page.count("待签字") == 4
    assert transition_buttons(page) == []  # the initiator cannot confirm or reject
    assert 'name="decision"' not in page  # and signs nothing
    # History: filing (the row and its departments) is one entry, with its reason.
    assert page.count('data-history-type="created"') == 1
    assert 'data-history-type="changed"' not in page
    assert '<span class="history-reason">发起需求</span>' in page

    login(client, org, "prd_head")
    page = client.get(url).text
    assert transition_buttons(page) == []
    assert page.count('name="decision" value="approve"') == 1  # only the PRD slot

    login(client, org, "director")
    page = client.get(url).text
    assert transition_buttons(page) == ["confirm", "reject"]
    assert re.search(r'data-transition="confirm"\s+disabled', page)
    assert "等待 销售部负责人 签字" in page

    for slot in review_slots(requirement):
        SignOff.objects.create(
            target=requirement,
            stage="requirement_review",
            department=slot.department,
            signer=slot.signers[0],
            decision="approve",
        )
    page = client.get(url).text
    assert page.count("已同意") == 4
    assert not re.search(r'data-transition="confirm"\s+disabled', page)


def test_sign_and_confirm_through_the_pages(client, org):
    requirement = make_requirement(org)
    detail = reverse("requirements:detail", args=[requirement.pk])
    sign = reverse("requirements:sign", args=[requirement.pk])
    confirm = reverse("requirements:transition", args=[requirement.pk, "confirm"])

    login(client, org, "director")
    blocked = client.post(confirm, follow=True).text
    assert "等待 市场部负责人 签字" in blocked
    login(client, org, "mkt_head")
    wrong = client.post(
        sign, {"decision": "approve", "department": org["departments"]["PRD"].pk}, follow=True
    )
    assert "只有该部门负责人" in wrong.text
    assert not SignOff.objects.exists()
    for slot in review_slots(requirement):
        client.force_login(slot.signers[0])
        data = {"decision": "approve", "comment": "同意"}
        if slot.department is not None:
            data["department"] = slot.department.pk
        assert "已签字" in client.post(sign, data, follow=True).text
    login(client, org, "director")
    page = client.post(confirm, follow=True).text
    assert "操作成功，当前状态：已确认" in page
    assert 'id="requirement-status">已确认<' in page
    assert transition_buttons(client.get(detail).text) == ["start"]


def test_reject_needs_a_reason_on_the_page(client, org):
    requirement = make_requirement(org)
    reject = reverse("requirements:transition", args=[requirement.pk, "reject"])
    login(client, org, "director")
    assert "驳回需求时必须填写原因" in client.post(reject, {"reason": ""}, follow=True).text
    page = client.post(reject, {"reason": "目标不可衡量"}, follow=True).text
    assert "已驳回" in page and "目标不可衡量" in page
    login(client, org, "mkt_staff")
    assert transition_buttons(
        client.get(reverse("requirements:detail", args=[requirement.pk])).text
    ) == ["resubmit"]


def test_forbidden_transition_on_the_page_changes_nothing(client, org):
    requirement = make_requirement(org)
    login(client, org, "mkt_head")
    page = client.post(
        reverse("requirements:transition", args=[requirement.pk, "reject"]),
        {"reason": "不同意"},
        follow=True,
    ).text
    assert "您没有执行该操作的权限" in page
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.PENDING_REVIEW


def test_unseen_requirement_is_404_on_every_page(client, org):
    requirement = make_requirement(org)
    login(client, org, "dsn_head")
    pk = requirement.pk
    for name, args in [
        ("requirements:detail", [pk]),
        ("requirements:edit", [pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    for name, args in [
        ("requirements:sign", [pk]),
        ("requirements:transition", [pk, "confirm"]),
        ("requirements:group_add", [pk]),
        ("meetings:review", [pk]),
    ]:
        assert client.post(reverse(name, args=args), {"decision": "approve"}).status_code == 404
    assert client.get("/requirements/999999/").status_code == 404


def test_edit_permission(client, org):
    requirement = make_requirement(org)
    edit = reverse("requirements:edit", args=[requirement.pk])
    login(client, org, "prd_head")  # sees it, may not edit
    assert client.get(edit).status_code == 403
    assert client.post(edit, form_data(org, topic="改")).status_code == 403
    assert "修改</a>" not in client.get(reverse("requirements:detail", args=[requirement.pk])).text
    login(client, org, "mkt_staff")
    page = client.get(edit).text
    assert "修改需求" in page
    version = loaded_version(page)
    bad = client.post(edit, form_data(org, end_date="2020-01-01", version=version))
    assert "结束日期不能早于开始日期" in bad.text
    ok = client.post(edit, form_data(org, topic="改后的主题", version=version))
    assert ok.status_code == 302
    requirement.refresh_from_db()
    assert requirement.topic == "改后的主题"
    confirm_requirement(org, requirement)
    assert client.get(edit).status_code == 403  # initiator: only while pending or rejected
    login(client, org, "director")
    assert client.get(edit).status_code == 200


def test_group_panel_for_the_coordinator(client, org):
    requirement = make_requirement(org)
    confirm_requirement(org, requirement)
    add = reverse("requirements:group_add", args=[requirement.pk])
    login(client, org, "mkt_staff")
    client.post(add, {"user": org["users"]["mkt_head"].pk, "role": "leader"})
    assert not GroupMember.objects.exists()
    login(client, org, "director")
    page = client.post(add, {"user": org["users"]["mkt_head"].pk, "role": "leader"}, follow=True)
    assert "已加入协作小组" in page.text
    assert 'data-role="leader"' in page.text
    wrong = client.post(
        add, {"user": org["users"]["cha_contact"].pk, "role": "member"}, follow=True
    )
    assert "外部合作伙伴只能担任接口人或外部伙伴" in wrong.text
    form_group(org, requirement)
    page = client.get(reverse("requirements:detail", args=[requirement.pk])).text
    assert page.count('data-role="liaison"') == 3
    assert transition_buttons(page) == ["start"]
