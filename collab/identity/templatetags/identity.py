from allauth.socialaccount.adapter import get_adapter
from django import template

from collab.identity.services import local_passwords_enabled

register = template.Library()


@register.inclusion_tag("identity/sso_buttons.html", takes_context=True)
def sso_login_options(context):
    """The sign-in buttons of the providers configured on this site (none: nothing)."""
    request = context["request"]
    next_url = context.get("next") or request.GET.get("next", "")
    providers = sorted(get_adapter().list_providers(request), key=lambda p: ORDER.get(p.id, 9))
    options = [
        {
            "key": provider.sub_id,
            "name": provider.name,
            "url": provider.get_login_url(request, **({"next": next_url} if next_url else {})),
        }
        for provider in providers
    ]
    return {
        "csrf_token": context.get("csrf_token"),
        "options": options,
        "local_passwords": local_passwords_enabled(),
        "password_refused": getattr(request, "local_password_refused", False),
    }


ORDER = {"dingtalk": 0, "feishu": 1, "wecom": 2, "openid_connect": 3}
