"""Sign-off points (签字确认) any register can use.

A target object describes its sign-off point through three methods:
`signoff_slots(stage)` (the slots that must sign in the current round, each with who
may sign it), `signoff_round(stage)` (the current round) and `signoff_open(stage)`
(whether signatures are accepted now). The latest signature per slot in the current
round counts.

- `signoff_sign`: record one signature (the registers wrap it to lock their row).
- `signoff_state` / `signoff_blockers`: the slots with their latest signature, and the
  sentences a transition shows while they are not all approved.
- `signoff_card_slots` / `signoff_summary`: what the sign card and the API show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import SignOff


@dataclass
class Slot:
    department: Any | None  # None: the coordinator's slot
    signers: list[Any]  # users allowed to sign this slot
    label: str = ""
    latest: SignOff | None = field(default=None)
    can_sign: bool = False  # set for one user by signoff_card_slots

    @property
    def key(self):
        return self.department.pk if self.department is not None else None

    @property
    def approved(self) -> bool:
        return self.latest is not None and self.latest.decision == SignOff.Decision.APPROVE

    @property
    def rejected(self) -> bool:
        return self.latest is not None and self.latest.decision == SignOff.Decision.REJECT


def signoffs_for(target, stage: str, round_: int | None = None):
    qs = SignOff.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk, stage=stage
    ).select_related("department", "signer")
    if round_ is not None:
        qs = qs.filter(round=round_)
    return qs


def _current_signoffs(target, stage: str, round_: int) -> list[SignOff]:
    """Sign-offs of one round; uses a prefetched `signoffs` relation when the target has
    one (lists prefetch it so that each row costs no extra query)."""
    cache = getattr(target, "_prefetched_objects_cache", {})
    if "signoffs" in cache:
        rows = [s for s in cache["signoffs"] if s.stage == stage and s.round == round_]
        return sorted(rows, key=lambda s: (s.signed_at, s.pk))
    return list(signoffs_for(target, stage, round_))


def signoff_state(target, stage: str) -> list[Slot]:
    """The slots of the current round with their latest signature filled in."""
    slots = target.signoff_slots(stage)
    latest = {}
    for signoff in _current_signoffs(target, stage, target.signoff_round(stage)):
        latest[signoff.department_id] = signoff
    for slot in slots:
        slot.latest = latest.get(slot.key)
    return slots


def signoff_card_slots(target, stage: str, user) -> list[Slot]:
    """The slots of the current round, each marked `can_sign` when `user` may sign it now."""
    slots = signoff_state(target, stage)
    is_open = target.signoff_open(stage)
    for slot in slots:
        slot.can_sign = is_open and user in slot.signers
    return slots


def signoff_summary(target, stage: str) -> dict:
    """The sign-off point as the API shows it: the current round, every signature of
    every round, the slots of the current round and those still missing approval."""
    slots = signoff_state(target, stage)
    return {
        "round": target.signoff_round(stage),
        "signoffs": list(signoffs_for(target, stage)),
        "slots": slots,
        "missing": [slot for slot in slots if not slot.approved],
    }


def head_slots(departments) -> list[Slot]:
    """One slot per department (first occurrence kept), signed by its head."""
    slots, seen = [], set()
    for department in departments:
        if department.pk in seen:
            continue
        seen.add(department.pk)
        head = department.head
        slots.append(
            Slot(
                department=department,
                signers=[head] if head is not None else [],
                label=_("%(dept)s负责人") % {"dept": department.name},
            )
        )
    return slots


def sign_action(target, stage: str) -> str:
    """The to-do key of signing `target` in its current round: a sign request notice
    and the signer's workbench item carry it, so a new round starts a new to-do."""
    return f"sign:{stage}:{target.pk}:{target.signoff_round(stage)}"


def slots_waiting_for(target, stage: str, user) -> list[Slot]:
    """Slots of the current round `user` may sign and that are not approved yet (a
    rejection still waits: the signer may change their mind until the round ends).
    Reads a prefetched `signoffs` relation when there is one."""
    if not target.signoff_open(stage):
        return []
    return [
        slot
        for slot in signoff_state(target, stage)
        if not slot.approved and any(signer.pk == user.pk for signer in slot.signers)
    ]


def signers_waiting(target, stage: str) -> list:
    """Everyone who still has to sign in the current round, once each."""
    people: dict[int, Any] = {}
    for slot in signoff_state(target, stage):
        if not slot.approved:
            for signer in slot.signers:
                if signer is not None:
                    people.setdefault(signer.pk, signer)
    return list(people.values())


def signoff_blockers(target, stage: str) -> list[str]:
    reasons = []
    for slot in signoff_state(target, stage):
        if slot.rejected:
            reasons.append(_("%(slot)s 不同意") % {"slot": slot.label})
        elif not slot.approved:
            reasons.append(_("等待 %(slot)s 签字") % {"slot": slot.label})
    return reasons


@transaction.atomic
def signoff_sign(
    *, target, stage: str, actor, decision: str, comment: str = "", department=None
) -> SignOff:
    if decision not in SignOff.Decision.values:
        raise ValidationError({"decision": _("意见只能是同意或不同意")})
    if decision == SignOff.Decision.REJECT and not comment.strip():
        raise ValidationError({"comment": _("不同意时请填写说明")})
    if not target.signoff_open(stage):
        raise ValidationError(_("当前状态下不接受签字"))
    slots = {slot.key: slot for slot in target.signoff_slots(stage)}
    key = department.pk if department is not None else None
    slot = slots.get(key)
    if slot is None:
        raise ValidationError({"department": _("该部门不在本次签字范围内")})
    if actor not in slot.signers:
        raise PermissionDenied(_("只有该部门负责人（或协调人本人）可以签字"))
    return SignOff.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        stage=stage,
        round=target.signoff_round(stage),
        department=department,
        signer=actor,
        decision=decision,
        comment=comment,
    )
