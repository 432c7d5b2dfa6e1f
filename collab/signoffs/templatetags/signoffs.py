from django import template

from ..services import signoff_card_slots

register = template.Library()


@register.inclusion_tag("signoffs/_sign_card.html", takes_context=True)
def sign_card(context, target, stage: str, action: str, title: str, person_slot: str = ""):
    """The sign card of one sign-off point: each slot with its latest signature; a slot
    the current user may sign now is a card of its own with approve / reject (one per
    slot, also when one person holds several).

    `action` is the register's sign URL; `person_slot` names the slot signed by a person
    rather than a department (its `data-slot` value, e.g. "coordinator").
    """
    slots = signoff_card_slots(target, stage, context["request"].user)
    return {
        "slots": slots,
        "signed": sum(1 for slot in slots if slot.approved),
        "round": target.signoff_round(stage),
        "action": action,
        "title": title,
        "person_slot": person_slot,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
