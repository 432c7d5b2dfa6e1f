from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from requests_app.tabs import TABS

register = template.Library()


@register.inclusion_tag("requests_app/_tabs.html")
def requirement_tabs(requirement, active: str = "overview"):
    """Tab bar shown on every page scoped to one requirement."""
    return {
        "tabs": [
            {
                "label": _(tab.label),
                "url": reverse(tab.url_name, args=[requirement.pk]),
                "active": tab.key == active,
                "key": tab.key,
            }
            for tab in TABS
        ]
    }
