from django import template

from ..services import signoff_card_slots

register = template.Library()


@register.inclusion_tag("signoffs/_sign_card.html", takes_context=True)
def sign_card(context, target, stage: str, action: str, title: str, person_slot: str = ""):
    """The sign card of one sign-off point: each slot with its latest signature, and
    approve / reject buttons on the slots the current user may sign now.

    `action` is the register's sign URL; `person_slot` names the slot signed by a person
    rather than a department (its `data-slot` value, e.g. "coordinator").
    """
    return {
        "slots": signoff_card_slots(target, stage, context["request"].user),
        "round": target.signoff_round(stage),
        "action": action,
        "title": title,
        "person_slot": person_slot,
        "csrf_token": context.get("csrf_token"),
    }
