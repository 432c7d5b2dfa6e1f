"""allauth adapters: Collab has no self-service sign-up; a person signing in through a
platform is matched to their Collab account (services.person_for) or refused."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import services
from .identities import identity_from

# The backend a platform sign-in is recorded under (it loads the user of the session).
SESSION_BACKEND = "collab.identity.backends.LocalPasswordBackend"


def refusal(request, message: str, status: int = 403):
    return render(request, "identity/refused.html", {"message": message}, status=status)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def login(self, request, user):
        if not hasattr(user, "backend"):
            user.backend = SESSION_BACKEND
        super().login(request, user)

    def respond_user_inactive(self, request, user):
        return refusal(request, _("您的 Collab 账号已停用，请联系管理员。"))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return settings.COLLAB_SSO_CREATE_USERS

    def identity(self, sociallogin):
        return identity_from(sociallogin.account.get_provider().id, sociallogin.account.extra_data)

    def pre_social_login(self, request, sociallogin):
        identity = self.identity(sociallogin)
        try:
            user = services.person_for(identity)
        except services.SignInRefused as refused:
            raise ImmediateHttpResponse(refusal(request, refused.message)) from None
        if sociallogin.is_existing and user is not None and sociallogin.user.pk != user.pk:
            raise ImmediateHttpResponse(
                refusal(request, _("该平台账号关联的 Collab 账号不一致，请联系管理员核对。"))
            )
        if user is None:
            if sociallogin.is_existing:
                user = sociallogin.user
            elif settings.COLLAB_SSO_CREATE_USERS:
                return  # signed up by allauth; linked in save_user
            else:
                raise ImmediateHttpResponse(
                    refusal(request, services.unknown_person_message(identity))
                )
        services.platform_account_bind(user=user, identity=identity)
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        identity = self.identity(sociallogin)
        user.display_name = identity.name
        if identity.emails:
            user.email = identity.emails[0]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        services.platform_account_bind(user=user, identity=self.identity(sociallogin))
        return user
