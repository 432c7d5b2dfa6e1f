"""The shared `signoffs` action and serializers (collab/signoffs/api.py), as every
register's API offers them."""

from __future__ import annotations

import pytest

from collab.signoffs.api import SlotSerializer
from collab.signoffs.models import SignOff
from collab.signoffs.services import Slot, signoff_state, signoffs_for

pytestmark = pytest.mark.django_db

SLOT_KEYS = {"department", "label", "signers", "decision"}


def test_get_shows_the_point_and_post_signs_it(api, point):
    slots = signoff_state(point.target, point.stage)
    slot = slots[0]
    signer = slot.signers[0]
    client = api.as_user(signer)

    body = client.get(point.api).json()
    assert body["round"] == point.target.signoff_round(point.stage)
    assert body["signoffs"] == []
    assert [s["department"] for s in body["slots"]] == [s.key for s in slots]
    assert all(set(s) == SLOT_KEYS for s in body["slots"])
    assert body["slots"][0]["signers"] == [u.pk for u in slot.signers]
    assert body["missing"] == body["slots"]

    response = client.post(point.api, {"decision": "approve", "department": slot.key})
    assert response.status_code == 201, response.content
    body = response.json()
    [signoff] = body["signoffs"]
    assert (signoff["stage"], signoff["department"], signoff["signer"]) == (
        point.stage,
        slot.key,
        signer.pk,
    )
    assert signoff["signer_display"] == signer.label
    assert body["slots"][0]["decision"] == "approve"
    assert len(body["missing"]) == len(slots) - 1


def test_bad_input_is_a_field_error_and_signs_nothing(api, org, point):
    slot = signoff_state(point.target, point.stage)[0]
    client = api.as_user(slot.signers[0])
    refused = client.post(point.api, {"decision": "maybe", "department": slot.key})
    assert refused.status_code == 400 and "decision" in refused.json()
    refused = client.post(point.api, {"decision": "reject", "department": slot.key})
    assert refused.status_code == 400 and "comment" in refused.json()
    outsider = api.as_user(org["users"]["mkt_staff"])
    refused = outsider.post(point.api, {"decision": "approve", "department": slot.key})
    assert refused.status_code == 403
    assert not signoffs_for(point.target, point.stage).exists()


def test_slot_serializer_lists_signers_and_the_latest_decision(org):
    users = org["users"]
    head = users["mkt_head"]
    slot = Slot(department=head.department, signers=[head, None], label="市场部负责人")
    assert SlotSerializer(slot).data == {
        "department": head.department.pk,
        "label": "市场部负责人",
        "signers": [head.pk],
        "decision": None,
    }
    personal = Slot(department=None, signers=[users["director"]], label="协调人")
    personal.latest = SignOff(decision=SignOff.Decision.REJECT)
    assert SlotSerializer(personal).data["department"] is None
    assert SlotSerializer(personal).data["decision"] == "reject"
