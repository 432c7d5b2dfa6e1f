from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (pagination links keep filters)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def status_class(value):
    return f"status-badge badge status-{value}"


BADGE_KINDS = ("status", "impact", "priority", "kind")


@register.simple_tag
def status_badge(value, label, kind="status", element_id=""):
    """The one badge of a status, impact, priority or kind: colours from
    static/css/badges.css, the code kept in data-<kind> for scripts and tests."""
    if kind not in BADGE_KINDS:
        raise template.TemplateSyntaxError(f"status_badge kind must be one of {BADGE_KINDS}")
    if value in (None, ""):
        return ""
    return format_html(
        '<span class="status-badge badge {kind}-{value}" data-{kind}="{value}"{id}>{label}</span>',
        kind=kind,
        value=value,
        label=label,
        id=format_html(' id="{}"', element_id) if element_id else "",
    )


@register.simple_tag
def delay_badge(days, prefix=True):
    """The delay of a late record in red with its number of days; nothing when on time."""
    if not days or days <= 0:
        return ""
    text = (_("延期 %(days)s 天") if prefix else _("%(days)s 天")) % {"days": days}
    return format_html(
        '<span class="status-badge badge delay" data-delay="{}">{}</span>', days, text
    )
