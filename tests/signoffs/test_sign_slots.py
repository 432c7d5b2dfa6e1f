"""Signing on the card as on a phone: one form per slot (also when one person holds
several), approve / reject in place through htmx, reject only with a comment."""

from __future__ import annotations

import re

import pytest

from collab.signoffs.models import SignOff
from collab.signoffs.services import signoff_state, signoffs_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _slot_item(html: str, data_slot: str) -> str:
    match = re.search(
        rf'<li class="[^"]*" id="sign-slot-{data_slot}" data-slot="{data_slot}">(.*?)</li>',
        html,
        re.S,
    )
    assert match, f"no slot {data_slot}"
    return match.group(1)


def _data_slot(slot, point) -> str:
    return str(slot.key) if slot.key is not None else point.person_slot


def test_reject_without_comment_is_refused_next_to_the_comment_and_signs_nothing(client, point):
    slot = signoff_state(point.target, point.stage)[0]
    client.force_login(slot.signers[0])
    data = {"decision": "reject", "comment": "  ", "department": slot.key or ""}

    response = client.post(point.sign_url, data, **HTMX)

    assert response.status_code == 200
    item = _slot_item(response.text, _data_slot(slot, point))
    # The refusal stands under the comment box, which is marked invalid.
    assert re.search(
        r'name="comment"[^>]*class="form-control is-invalid"[^>]*aria-invalid="true"', item
    )
    assert '<div class="invalid-feedback d-block"' in item and "不同意时请填写说明" in item
    assert "待签字" in item and 'name="decision" value="reject"' in item
    assert not signoffs_for(point.target, point.stage).exists()


def test_signing_in_place_collapses_the_slot_to_its_result(client, point):
    slots = signoff_state(point.target, point.stage)
    assert len(slots) > 1
    slot = slots[0]
    client.force_login(slot.signers[0])
    data = {"decision": "reject", "comment": "预算不够", "department": slot.key or ""}

    response = client.post(point.sign_url, data, **HTMX)

    assert response.status_code == 200
    html = response.text
    assert html.startswith("<li") and html.count("<li") == 1  # the slot only
    item = _slot_item(html, _data_slot(slot, point))
    assert "不同意" in item and "预算不够" in item and slot.signers[0].label in item
    assert "已签字" in item
    # The form folds away behind "修改签字意见": the signer may still change their mind.
    assert "<details" in item and "修改签字意见" in item
    signoff = signoffs_for(point.target, point.stage).get()
    assert (signoff.decision, signoff.department_id) == (SignOff.Decision.REJECT, slot.key)


def test_the_last_approval_reloads_the_page_for_the_next_step(client, point):
    slots = signoff_state(point.target, point.stage)
    for slot in slots[1:]:
        point.sign(actor=slot.signers[0], decision="approve", department=slot.department)
    last = slots[0]
    client.force_login(last.signers[0])
    data = {"decision": "approve", "department": last.key or ""}

    response = client.post(point.sign_url, data, **HTMX)

    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    assert all(slot.approved for slot in signoff_state(point.target, point.stage))
    assert "已签字" in client.get(point.page).text


def test_a_leader_who_is_also_a_head_signs_each_slot_explicitly_in_one_card(client, org):
    """mkt_head leads the group and heads the initiating department: the plan's card
    gives them two forms, each naming its slot, and each signs only its own slot."""
    from django.urls import reverse

    from tasks_app.models import PLAN_STAGE
    from tasks_app.plan_services import plan_create, plan_submit
    from tests.factories import confirm_requirement, form_group, make_requirement

    requirement = make_requirement(org)
    form_group(org, requirement, leader="mkt_head")
    requirement = confirm_requirement(org, requirement)
    # A plan for the whole requirement: the initiating department's head signs it too.
    plan = plan_create(
        requirement=requirement,
        task=None,
        actor=org["users"]["mkt_head"],
        title="总体方案",
        body="步骤",
    )
    plan = plan_submit(plan=plan, actor=plan.author)
    page_url = reverse("tasks:plan_detail", args=[plan.pk])
    sign_url = reverse("tasks:plan_sign", args=[plan.pk])
    head = org["users"]["mkt_head"]
    mkt = org["departments"]["MKT"]
    client.force_login(head)

    page = client.get(page_url).text
    leader_item, mkt_item = _slot_item(page, "leader"), _slot_item(page, str(mkt.pk))
    assert page.count('name="decision" value="approve"') == 2
    assert "以“协作小组组长”签字" in leader_item and 'name="department" value=""' in leader_item
    assert "以“市场部负责人”签字" in mkt_item and f'name="department" value="{mkt.pk}"' in mkt_item

    response = client.post(sign_url, {"decision": "approve", "department": ""}, **HTMX)
    assert "已同意" in _slot_item(response.text, "leader")
    page = client.get(page_url).text
    assert "待签字" in _slot_item(page, str(mkt.pk))
    assert 'name="decision" value="approve"' in _slot_item(page, str(mkt.pk))

    response = client.post(
        sign_url, {"decision": "approve", "department": mkt.pk, "comment": "好"}, **HTMX
    )
    assert "已同意" in _slot_item(response.text, str(mkt.pk))
    signed = {(s.department_id, s.signer_id) for s in signoffs_for(plan, PLAN_STAGE)}
    assert signed == {(None, head.pk), (mkt.pk, head.pk)}
