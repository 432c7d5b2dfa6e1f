"""REST API of the requirement register (DESIGN.md contract)."""

import pytest

from collab.signoffs.models import SignOff
from requests_app.models import GroupMember, Requirement, RequirementStatus
from requests_app.selectors import review_slots
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.django_db

LIST = "/api/v1/requirements/"


def detail(requirement, suffix=""):
    return f"/api/v1/requirements/{requirement.pk}/{suffix}"


def payload(org, **overrides):
    departments = org["departments"]
    data = {
        "topic": "2026年Q1新品上市推广",
        "goal": "3个月内实现新品销售额500万元",
        "departments": [departments["PRD"].pk, departments["SAL"].pk, departments["CHA"].pk],
        "expected_outcomes": "活动方案、宣传物料",
        "start_date": "2026-01-05",
        "end_date": "2026-03-31",
        "resources": "预算20万元",
        "priority": "P0",
        "remarks": "需符合广告法",
        "coordinator": org["users"]["director"].pk,
        "contact_info": "1385678",
    }
    data.update(overrides)
    return data


# Create and validation ------------------------------------------------------------------


def test_create_answers_201_with_the_generated_number(org, api):
    response = api.as_user(org["users"]["mkt_staff"]).post(LIST, payload(org), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].endswith("-MKT-001")
    assert body["status"] == "pending_review"
    assert body["status_display"] == "待评审"
    assert body["initiating_department"] == org["departments"]["MKT"].pk
    assert body["contact"] == org["users"]["mkt_staff"].pk
    assert body["available_transitions"] == []  # the initiator cannot confirm
    assert Requirement.objects.get().topic == "2026年Q1新品上市推广"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"goal": "   "}, "goal"),
        ({"departments": []}, "departments"),
        ({"departments": [999999]}, "departments"),
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"start_date": "not-a-date"}, "start_date"),
        ({"priority": "P5"}, "priority"),
        ({"coordinator": "prd_head"}, "coordinator"),  # replaced by the head's id below
        ({"coordinator": None}, "coordinator"),
        ({"initiating_department": "CHA"}, "initiating_department"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_nothing_written(org, api, overrides, field):
    if overrides.get("coordinator") == "prd_head":
        overrides["coordinator"] = org["users"]["prd_head"].pk
    if overrides.get("initiating_department") == "CHA":
        overrides["initiating_department"] = org["departments"]["CHA"].pk
    response = api.as_user(org["users"]["mkt_staff"]).post(
        LIST, payload(org, **overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Requirement.objects.exists()


def test_missing_fields_are_reported_each(org, api):
    response = api.as_user(org["users"]["mkt_staff"]).post(LIST, {}, format="json")
    assert response.status_code == 400
    assert {"topic", "goal", "departments", "start_date", "end_date", "coordinator"} <= set(
        response.json()
    )


def test_partner_cannot_file(org, api):
    response = api.as_user(org["users"]["cha_contact"]).post(LIST, payload(org), format="json")
    assert response.status_code == 403
    assert not Requirement.objects.exists()


def test_anonymous_is_401(org, api):
    assert api.get(LIST).status_code == 401
    assert api.post(LIST, payload(org), format="json").status_code == 401


# Read, filter, visibility ---------------------------------------------------------------


def test_list_is_paginated_filtered_and_scoped(org, api):
    first = make_requirement(org, priority="P0", topic="渠道推广")
    make_requirement(org, priority="P2", topic="内部培训", departments=("PRD",))
    make_requirement(
        org,
        actor=org["users"]["tec_head"],
        initiating_department=org["departments"]["TEC"],
        departments=("OPS",),
    )
    client = api.as_user(org["users"]["director"])
    body = client.get(LIST).json()
    assert body["count"] == 3 and body["next"] is None and len(body["results"]) == 3
    assert client.get(LIST, {"priority": "P0"}).json()["count"] == 1
    assert client.get(LIST, {"q": "渠道"}).json()["results"][0]["id"] == first.pk
    sal = org["departments"]["SAL"].pk
    assert client.get(LIST, {"department": sal}).json()["count"] == 1
    assert client.get(LIST, {"status": "confirmed"}).json()["count"] == 0
    assert client.get(LIST, {"page_size": 2}).json()["next"] is not None
    assert client.get(LIST, {"status": "bogus"}).status_code == 400
    # prd_head sees the two involving PRD, not the TEC one.
    assert api.as_user(org["users"]["prd_head"]).get(LIST).json()["count"] == 2


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("director", 200),
        ("admin", 200),
        ("mkt_staff", 200),
        ("mkt_head", 200),
        ("prd_head", 200),
        ("dsn_head", 404),
        ("tec_staff", 404),
        ("cha_contact", 404),
    ],
)
def test_unseen_requirements_are_404_everywhere(org, api, username, status):
    requirement = make_requirement(org)
    client = api.as_user(org["users"][username])
    for suffix in ("", "history/", "group/", "signoffs/"):
        assert client.get(detail(requirement, suffix)).status_code == status, suffix
    if status == 404:
        for suffix in ("confirm/", "reject/", "start/", "signoffs/", "group/"):
            assert client.post(detail(requirement, suffix), {}).status_code == 404, suffix
        assert client.patch(detail(requirement), {"topic": "x"}).status_code == 404


def test_partner_member_sees_it(org, api):
    requirement = form_group(org, make_requirement(org))
    client = api.as_user(org["users"]["cha_contact"])
    assert client.get(detail(requirement)).status_code == 200
    assert [r["id"] for r in client.get(LIST).json()["results"]] == [requirement.pk]


# Update, ETag ---------------------------------------------------------------------------


def test_patch_with_etag_and_stale_if_match(org, api):
    requirement = make_requirement(org)
    client = api.as_user(org["users"]["mkt_staff"])
    response = client.get(detail(requirement))
    etag = response["ETag"]
    assert etag.startswith('"')
    ok = client.patch(detail(requirement), {"topic": "新主题"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200, ok.json()
    assert ok.json()["topic"] == "新主题"
    assert ok["ETag"] != etag
    stale = client.patch(detail(requirement), {"topic": "覆盖"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    requirement.refresh_from_db()
    assert requirement.topic == "新主题"
    assert client.get(detail(requirement))["ETag"] == ok["ETag"]


def test_patch_errors_and_permissions(org, api):
    requirement = make_requirement(org)
    client = api.as_user(org["users"]["mkt_staff"])
    bad = client.patch(detail(requirement), {"end_date": "2020-01-01"})
    assert bad.status_code == 400 and "end_date" in bad.json()
    bad = client.patch(detail(requirement), {"departments": []})
    assert bad.status_code == 400 and "departments" in bad.json()
    # Read-only fields are ignored, not written.
    client.patch(detail(requirement), {"status": "confirmed", "number": "2000-MKT-999"})
    requirement.refresh_from_db()
    assert requirement.status == "pending_review" and requirement.number.endswith("-MKT-001")
    denied = api.as_user(org["users"]["prd_head"]).patch(detail(requirement), {"topic": "x"})
    assert denied.status_code == 403
    requirement.refresh_from_db()
    assert requirement.topic == "新品上市推广"


# Transitions ----------------------------------------------------------------------------


def test_confirm_is_409_with_reasons_until_every_head_signed(org, api):
    requirement = make_requirement(org)
    client = api.as_user(org["users"]["director"])
    blocked = client.post(detail(requirement, "confirm/"))
    assert blocked.status_code == 409
    assert "等待 销售部负责人 签字" in blocked.json()["reasons"][0]
    assert client.get(detail(requirement)).json()["available_transitions"] == ["reject"]
    for slot in review_slots(requirement):
        signer = api.as_user(slot.signers[0])
        body = {"decision": "approve"}
        if slot.department is not None:
            body["department"] = slot.department.pk
        assert signer.post(detail(requirement, "signoffs/"), body).status_code == 201
    client = api.as_user(org["users"]["director"])
    assert client.get(detail(requirement)).json()["available_transitions"] == [
        "confirm",
        "reject",
    ]
    denied = api.as_user(org["users"]["mkt_head"]).post(detail(requirement, "confirm/"))
    assert denied.status_code == 403
    client = api.as_user(org["users"]["director"])
    confirmed = client.post(detail(requirement, "confirm/"))
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    again = client.post(detail(requirement, "confirm/"))
    assert again.status_code == 409
    assert again.json()["reasons"] == ["当前状态“已确认”下不能执行该操作"]


def test_reject_and_resubmit(org, api):
    requirement = make_requirement(org)
    director = api.as_user(org["users"]["director"])
    assert director.post(detail(requirement, "reject/"), {}).status_code == 400
    assert "reason" in director.post(detail(requirement, "reject/"), {"reason": ""}).json()
    staff = api.as_user(org["users"]["mkt_staff"])
    assert staff.post(detail(requirement, "reject/"), {"reason": "x"}).status_code == 403
    director = api.as_user(org["users"]["director"])
    rejected = director.post(detail(requirement, "reject/"), {"reason": "目标不可衡量"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "目标不可衡量"
    assert (
        api.as_user(org["users"]["prd_head"]).post(detail(requirement, "resubmit/")).status_code
        == 403
    )
    staff = api.as_user(org["users"]["mkt_staff"])
    resubmitted = staff.post(detail(requirement, "resubmit/"), {"reason": "已补充指标"})
    assert resubmitted.status_code == 200
    assert resubmitted.json()["status"] == "pending_review"
    assert resubmitted.json()["review_round"] == 2


def test_start_and_complete(org, api, foundation_conditions):
    requirement = make_requirement(org)
    director = api.as_user(org["users"]["director"])
    assert director.post(detail(requirement, "start/")).status_code == 409
    confirm_requirement(org, requirement)
    blocked = director.post(detail(requirement, "start/"))
    assert blocked.status_code == 409
    assert "尚未指定协作小组组长" in blocked.json()["detail"]
    form_group(org, requirement)
    assert (
        api.as_user(org["users"]["prd_head"]).post(detail(requirement, "start/")).status_code == 403
    )
    started = api.as_user(org["users"]["mkt_head"]).post(detail(requirement, "start/"))
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    completed = api.as_user(org["users"]["director"]).post(detail(requirement, "complete/"))
    assert completed.status_code == 409
    assert "尚未通过成果验收" in completed.json()["detail"]


# Group, sign-offs, history --------------------------------------------------------------


def test_group_get_post_delete(org, api):
    requirement = make_requirement(org)
    users, departments = org["users"], org["departments"]
    director = api.as_user(users["director"])
    empty = director.get(detail(requirement, "group/")).json()
    assert empty == {"leader": None, "leader_department": None, "members": []}
    added = director.post(
        detail(requirement, "group/"), {"user": users["mkt_head"].pk, "role": "leader"}
    )
    assert added.status_code == 201
    assert added.json()["leader"] == users["mkt_head"].pk
    assert added.json()["leader_department"] == departments["MKT"].pk
    director.post(
        detail(requirement, "group/"), {"user": users["prd_liaison"].pk, "role": "liaison"}
    )
    replaced = director.post(
        detail(requirement, "group/"), {"user": users["prd_head"].pk, "role": "liaison"}
    )
    liaisons = [m for m in replaced.json()["members"] if m["role"] == "liaison"]
    assert [(m["user"], m["department"]) for m in liaisons] == [
        (users["prd_head"].pk, departments["PRD"].pk)
    ]
    bad = director.post(
        detail(requirement, "group/"), {"user": users["cha_contact"].pk, "role": "member"}
    )
    assert bad.status_code == 400 and "role" in bad.json()
    bad = director.post(
        detail(requirement, "group/"), {"user": users["mkt_head"].pk, "role": "boss"}
    )
    assert bad.status_code == 400
    denied = api.as_user(users["mkt_staff"]).post(
        detail(requirement, "group/"), {"user": users["sal_liaison"].pk, "role": "liaison"}
    )
    assert denied.status_code == 403
    member = GroupMember.objects.get(user=users["prd_head"])
    assert (
        api.as_user(users["mkt_staff"])
        .delete(detail(requirement, f"group/{member.pk}/"))
        .status_code
        == 403
    )
    director = api.as_user(users["director"])
    assert director.delete(detail(requirement, f"group/{member.pk}/")).status_code == 204
    assert director.delete(detail(requirement, f"group/{member.pk}/")).status_code == 404
    assert not GroupMember.objects.filter(pk=member.pk).exists()


def test_signoffs_show_made_and_missing(org, api):
    requirement = make_requirement(org)
    users, departments = org["users"], org["departments"]
    head = api.as_user(users["prd_head"])
    made = head.post(
        detail(requirement, "signoffs/"),
        {"decision": "approve", "comment": "同意", "department": departments["PRD"].pk},
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["round"] == 1
    assert [(s["department"], s["signer"], s["decision"]) for s in body["signoffs"]] == [
        (departments["PRD"].pk, users["prd_head"].pk, "approve")
    ]
    assert [s["department"] for s in body["missing"]] == [
        None,
        departments["MKT"].pk,
        departments["SAL"].pk,
    ]
    assert [s["label"] for s in body["missing"]] == ["协作协调人", "市场部负责人", "销售部负责人"]
    # Wrong signer 403, bad body 400, nothing written.
    denied = api.as_user(users["prd_liaison"]).post(
        detail(requirement, "signoffs/"),
        {"decision": "approve", "department": departments["PRD"].pk},
    )
    assert denied.status_code == 404  # prd_liaison does not even see the requirement
    denied = api.as_user(users["mkt_head"]).post(
        detail(requirement, "signoffs/"),
        {"decision": "approve", "department": departments["SAL"].pk},
    )
    assert denied.status_code == 403
    denied = api.as_user(users["mkt_head"]).post(
        detail(requirement, "signoffs/"), {"decision": "approve"}
    )
    assert denied.status_code == 403  # the coordinator slot
    head = api.as_user(users["sal_head"])
    for body in (
        {"decision": "maybe", "department": departments["SAL"].pk},
        {"decision": "reject", "department": departments["SAL"].pk},  # needs a comment
        {"decision": "approve", "department": 999999},
        {},
    ):
        assert head.post(detail(requirement, "signoffs/"), body).status_code == 400, body
    assert SignOff.objects.count() == 1


def test_history_shows_who_what_and_why(org, api):
    requirement = make_requirement(org)
    staff = api.as_user(org["users"]["mkt_staff"])
    staff.patch(detail(requirement), {"priority": "P0"})
    api.as_user(org["users"]["director"]).post(
        detail(requirement, "reject/"), {"reason": "缺少预算明细"}
    )
    entries = api.as_user(org["users"]["director"]).get(detail(requirement, "history/")).json()
    newest = entries[0]
    assert newest["history_user"] == org["users"]["director"].label
    assert newest["reason"] == "缺少预算明细"
    status = next(c for c in newest["changes"] if c["field"] == "status")
    assert status == {
        "field": "status",
        "label": "需求状态",
        "old": "pending_review",
        "new": "rejected",
        "old_display": "待评审",
        "new_display": "已驳回",
    }
    edit = next(e for e in entries if e["reason"] == "修改需求")
    assert edit["history_user"] == edit["actor_display"] == org["users"]["mkt_staff"].label
    priority = next(c for c in edit["changes"] if c["field"] == "priority")
    assert (priority["old"], priority["new"]) == ("P1", "P0")
    assert (priority["old_display"], priority["new_display"]) == ("中 P1", "高 P0")
    # Filing the requirement with its departments is one entry.
    created = [e for e in entries if e["reason"] == "发起需求"]
    assert len(created) == 1 == len(entries) - 2
    assert created[0]["history_type"] == "created" and created[0]["changes"] == []


def test_seed_requirement_is_served(seed, api):
    requirement = seed["requirement"]
    body = api.as_user(seed["users"]["director"]).get(detail(requirement)).json()
    assert body["number"] == "2024-MKT-001"
    assert body["topic"] == "2024年Q3新品上市推广"
    assert body["status"] in RequirementStatus.values
