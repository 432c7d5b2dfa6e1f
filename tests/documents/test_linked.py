"""Documents linked to one object of a requirement, and the helper other pages use."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import RequestFactory

from documents.selectors import documents_for
from documents.services import (
    GrantSpec,
    document_create,
    document_set_permissions,
    document_update,
    link_key,
)
from requests_app.models import GroupMember
from tests.factories import make_requirement

from .conftest import upload


@pytest.fixture
def member_row(requirement, people):
    # Any object that belongs to the requirement can carry documents; a group
    # membership stands in here for a task, a plan, minutes or the acceptance.
    return GroupMember.objects.get(requirement=requirement, user=people["prd_liaison"])


def test_documents_for_lists_only_visible_linked_documents(org, people, requirement, member_row):
    owner = people["sal_liaison"]
    shared = document_create(
        requirement=requirement,
        actor=owner,
        title="产品卖点",
        category="deliverable",
        upload=upload(),
        link=member_row,
    )
    internal = document_create(
        requirement=requirement,
        actor=owner,
        title="内部评估",
        category="deliverable",
        upload=upload(),
        link=member_row,
    )
    document_create(
        requirement=requirement, actor=owner, title="无关联", category="other", upload=upload()
    )
    document_set_permissions(
        document=shared,
        actor=owner,
        group_access="view",
        grants=[GrantSpec(level="view", department=org["departments"]["CHA"])],
    )
    assert {d.pk for d in documents_for(member_row, people["prd_liaison"])} == {
        shared.pk,
        internal.pk,
    }
    assert [d.pk for d in documents_for(member_row, people["cha_contact"])] == [shared.pk]
    assert documents_for(member_row, people["tec_staff"]) == []
    assert shared.linked_label == str(member_row)


def test_link_must_belong_to_the_same_requirement(org, people, requirement, member_row):
    other = make_requirement(org, topic="另一个需求")
    with pytest.raises(ValidationError) as caught:
        document_create(
            requirement=other,
            actor=people["mkt_staff"],
            title="错挂",
            category="other",
            upload=upload(),
            link=member_row,
        )
    assert caught.value.message_dict["link"] == ["关联对象不存在或不属于该需求"]


def test_api_link_round_trip(api, people, requirement, member_row):
    client = api.as_user(people["sal_liaison"])
    key = link_key(member_row)
    created = client.post(
        "/api/v1/documents/",
        {
            "requirement": requirement.pk,
            "title": "渠道对接成果",
            "category": "deliverable",
            "file": upload(),
            "link": key,
        },
        format="multipart",
    )
    assert created.status_code == 201
    assert created.json()["link"] == key
    bad = client.post(
        "/api/v1/documents/",
        {
            "requirement": requirement.pk,
            "title": "x",
            "category": "other",
            "file": upload(),
            "link": "requests_app.groupmember:999999",
        },
        format="multipart",
    )
    assert bad.status_code == 400
    assert bad.json()["link"] == ["关联对象不存在或不属于该需求"]
    unlinked = client.patch(f"/api/v1/documents/{created.json()['id']}/", {"link": ""})
    assert unlinked.status_code == 200
    assert unlinked.json()["link"] is None


def test_template_include_renders_linked_documents(people, requirement, member_row):
    document = document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="卖点提炼报告",
        category="deliverable",
        upload=upload(),
        link=member_row,
    )
    request = RequestFactory().get("/")
    request.user = people["prd_liaison"]
    html = Template("{% load documents %}{% linked_documents obj 'deliverable' %}").render(
        Context({"obj": member_row, "request": request})
    )
    assert "卖点提炼报告" in html
    assert f"/documents/{document.pk}/download/" in html
    assert f"?link={link_key(member_row)}&amp;category=deliverable" in html


def test_relinking_updates_the_label(people, requirement, member_row):
    document = document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="t",
        category="other",
        upload=upload(),
    )
    document_update(document=document, actor=people["sal_liaison"], link=member_row)
    document.refresh_from_db()
    assert document.linked == member_row
    assert document.linked_label == str(member_row)
