"""Account use cases: API tokens, passwords and the language of a person."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from .models import User


def token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for user; the key is returned once and stored only hashed.
    The user's expired tokens are deleted on the way."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return AuthToken.objects.create(user=user)


def tokens_visible_to(actor: User):
    tokens = AuthToken.objects.select_related("user").order_by("-created")
    return tokens if actor.is_staff else tokens.filter(user=actor)


def token_revoke(*, token: AuthToken, actor: User) -> None:
    if token.user_id != actor.pk and not actor.is_staff:
        raise PermissionDenied(_("只能撤销自己的令牌"))
    token.delete()


def tokens_revoke_all(*, user: User) -> int:
    deleted, _rows = AuthToken.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_change_password(*, user: User, actor: User, old_password: str, new_password: str) -> None:
    """The user's own password change: checks the old one, validates the new one, and
    revokes every API token of the user (the save signal does that)."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("只能修改自己的密码"))
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [_("原密码不正确")]})
    if old_password == new_password:
        raise ValidationError({"new_password": [_("新密码不能与原密码相同")]})
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": list(error.messages)}) from error
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_set_mask_names(*, user: User, active: bool) -> User:
    """Whether the person's own exports and prints write names masked (王芳 → 王*)."""
    if user.mask_names != active:
        user.mask_names = active
        user.save(update_fields=["mask_names"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Store the language a person picked: their pages, e-mails and messages use it."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("不支持的语言")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
