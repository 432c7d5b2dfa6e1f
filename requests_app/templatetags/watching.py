"""`{% watch_button requirement %}`: the watch / stop watching button of a requirement's
header, for the signed-in person."""

from django import template

from ..watching import is_watching

register = template.Library()


@register.inclusion_tag("requests_app/includes/watch_button.html", takes_context=True)
def watch_button(context, requirement):
    request = context.get("request")
    user = getattr(request, "user", None)
    if requirement is None or user is None or not user.is_authenticated:
        return {"requirement": None}
    return {
        "requirement": requirement,
        "watching": is_watching(user, requirement),
        "csrf_token": context.get("csrf_token"),
    }
