"""The sign card (collab/signoffs/templates/signoffs/_sign_card.html) on the pages of
every register that has a sign-off point, and signing through it."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from collab.signoffs.services import signoff_state, signoffs_for

pytestmark = pytest.mark.django_db


def _card(page: str) -> str:
    match = re.search(r'<div class="card mb-3 sign-card" id="signoffs">.*?</ul></div>', page, re.S)
    assert match, "the page shows no sign card"
    return match.group(0)


def _slot_item(card: str, data_slot: str) -> str:
    match = re.search(
        rf'<li class="list-group-item sign-slot[^"]*" id="sign-slot-{data_slot}" '
        rf'data-slot="{data_slot}">(.*?)</li>',
        card,
        re.S,
    )
    assert match, f"no slot {data_slot} on the card"
    return match.group(1)


def _data_slot(slot, point) -> str:
    return str(slot.key) if slot.key is not None else point.person_slot


def test_each_register_page_shows_the_card_and_signs_through_it(client, point):
    slots = signoff_state(point.target, point.stage)
    slot = slots[0]
    signer = slot.signers[0]
    client.force_login(signer)

    card = _card(client.get(point.page).text)
    round_ = point.target.signoff_round(point.stage)
    assert f"{point.title}（第{round_}轮）" in card
    assert card.count("data-slot=") == len(slots)
    assert card.count("待签字") == len(slots)
    # Buttons only on the slots this user may sign, each posting to the register's view.
    own = [s for s in slots if signer in s.signers]
    assert card.count('name="decision" value="approve"') == len(own)
    item = _slot_item(card, _data_slot(slot, point))
    assert f'action="{point.sign_url}"' in item
    assert f'name="department" value="{slot.key or ""}"' in item

    data = {"decision": "approve", "comment": "同意", "department": slot.key or ""}
    page = client.post(point.sign_url, data, follow=True).text
    assert "已签字" in page
    item = _slot_item(_card(page), _data_slot(slot, point))
    assert "已同意" in item and signer.label in item and "同意" in item
    signoff = signoffs_for(point.target, point.stage).get()
    assert (signoff.stage, signoff.department_id, signoff.signer) == (
        point.stage,
        slot.key,
        signer,
    )


def test_refusals_show_on_the_page_and_sign_nothing(client, org, point):
    slot = signoff_state(point.target, point.stage)[0]
    client.force_login(slot.signers[0])
    department = slot.key or ""
    page = client.post(
        point.sign_url, {"decision": "reject", "department": department}, follow=True
    )
    assert "不同意时请填写说明" in page.text
    page = client.post(point.sign_url, {"decision": "maybe"}, follow=True)
    assert "签字信息不完整" in page.text

    outsider = org["users"]["mkt_staff"]  # sees every page here, heads no department
    client.force_login(outsider)
    assert 'name="decision"' not in _card(client.get(point.page).text)
    page = client.post(
        point.sign_url, {"decision": "approve", "department": department}, follow=True
    )
    assert "只有该部门负责人" in page.text
    assert not signoffs_for(point.target, point.stage).exists()


def test_the_card_shows_a_closed_point_without_buttons(org, point):
    """Rendered through the inclusion tag for any target: while open, each signer gets
    buttons on their own slots; once every slot approved and the point closed by its
    transition, the signatures stay visible and nobody gets a button."""
    slots = signoff_state(point.target, point.stage)
    signer = slots[0].signers[0]
    request = RequestFactory().get("/")
    request.user = signer
    template = Template(
        "{% load signoffs %}{% sign_card target stage action title person_slot=person %}"
    )
    context = {
        "request": request,
        "target": point.target,
        "stage": point.stage,
        "action": point.sign_url,
        "title": point.title,
        "person": point.person_slot,
    }
    html = template.render(Context(context))
    own = [s for s in slots if signer in s.signers]
    assert html.count('name="decision" value="approve"') == len(own)

    for slot in slots:
        point.sign(actor=slot.signers[0], decision="approve", department=slot.department)
    point.close()
    point.target.refresh_from_db()
    assert not point.target.signoff_open(point.stage)
    html = template.render(Context(context))
    assert 'name="decision"' not in html
    assert html.count("已同意") == len(slots)
    for slot in slots:
        assert slot.signers[0].label in _slot_item(html, _data_slot(slot, point))
