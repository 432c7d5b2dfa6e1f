from allauth.socialaccount.adapter import get_adapter
from django import template
from django.conf import settings

from collab.identity.middleware import origin
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
    request.sso_form_action = sorted(
        {o for provider in providers for o in login_origins(provider) if o}
    )
    return {
        "csrf_token": context.get("csrf_token"),
        "options": options,
        "local_passwords": local_passwords_enabled(),
        "password_refused": getattr(request, "local_password_refused", False),
    }


ORDER = {"dingtalk": 0, "feishu": 1, "wecom": 2, "openid_connect": 3}


def login_origins(provider) -> list[str]:
    """Where the provider's login button leads (its authorization page)."""
    if provider.id == "dingtalk":
        return [origin(settings.COLLAB_DINGTALK_LOGIN_BASE)]
    if provider.id == "feishu":
        return [origin(settings.COLLAB_FEISHU_API_BASE)]
    if provider.id == "wecom":
        return [origin(settings.COLLAB_WECOM_LOGIN_BASE), origin(settings.COLLAB_WECOM_OAUTH_BASE)]
    # OpenID Connect: the issuer's host (where Keycloak, Authing, Azure AD… serve the
    # authorization endpoint).
    return [origin(provider.app.settings.get("server_url", ""))]
