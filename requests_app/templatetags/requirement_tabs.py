from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from requests_app.stage import stage_for, tab_muted_reason
from requests_app.tabs import TABS

register = template.Library()


@register.inclusion_tag("requests_app/_tabs.html", takes_context=True)
def requirement_tabs(context, requirement, active: str = "overview"):
    """Shown on every page scoped to one requirement: the six steps with the current one,
    the next actions with who holds them (requests_app.stage), and the tab bar, where a
    tab whose step has not begun is muted and says why."""
    user = context["request"].user
    tabs = []
    for tab in TABS:
        muted = tab_muted_reason(requirement, tab.step)
        tabs.append(
            {
                "label": _(tab.label),
                "url": reverse(tab.url_name, args=[requirement.pk]),
                "active": tab.key == active,
                "key": tab.key,
                "muted": muted,
            }
        )
    return {
        "tabs": tabs,
        "requirement": requirement,
        "csrf_token": context.get("csrf_token"),
        # the page itself: the next actions reload from it after a signature
        "refresh_url": context["request"].get_full_path(),
        **stage_for(requirement, user),
    }
