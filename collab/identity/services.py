"""Single sign-on rules: who a platform identity is in Collab, linking them, and whether
local passwords are still accepted."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .identities import PlatformIdentity, normalize_mobile
from .models import PlatformAccount
from .signin import SignInPolicy


class SignInRefused(Exception):
    """The person may not sign in; the message says why, for them to read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _platform_name(identity: PlatformIdentity) -> str:
    return str(dict(PlatformAccount._meta.get_field("platform").choices)[identity.platform])


def linked_account(identity: PlatformIdentity) -> PlatformAccount | None:
    """The PlatformAccount recorded for these ids (by the org sync or an earlier
    sign-in): the platform user id first, then the union id, then the open id."""
    accounts = PlatformAccount.objects.select_related("user").filter(platform=identity.platform)
    for field, value in (
        ("external_id", identity.external_id),
        ("union_id", identity.union_id),
        ("open_id", identity.open_id),
    ):
        if value:
            account = accounts.filter(**{field: value}).first()
            if account is not None:
                return account
    return None


def _users_by_contact(identity: PlatformIdentity) -> list:
    User = get_user_model()
    found: dict[int, object] = {}
    if identity.emails:
        query = Q()
        for email in identity.emails:
            query |= Q(email__iexact=email)
        for user in User.objects.filter(query):
            found[user.pk] = user
    mobiles = {normalize_mobile(m) for m in identity.mobiles} - {""}
    if mobiles:
        query = Q()
        for mobile in mobiles:
            query |= Q(phone__contains=mobile[-4:])
        for user in User.objects.filter(query):
            if normalize_mobile(user.phone) in mobiles:
                found[user.pk] = user
    return list(found.values())


def person_for(identity: PlatformIdentity):
    """The Collab user this identity belongs to, or None for someone unknown.

    Refuses (SignInRefused) an inactive account, an e-mail/mobile shared by several
    accounts, and an account already linked to another person on the same platform.
    """
    platform = _platform_name(identity)
    account = linked_account(identity)
    if account is not None:
        user = account.user
    else:
        candidates = _users_by_contact(identity)
        if len(candidates) > 1:
            raise SignInRefused(
                _(
                    "有多个 Collab 账号使用与您的%(platform)s账号相同的邮箱或手机号，"
                    "无法确定是哪一位，请联系管理员处理。"
                )
                % {"platform": platform}
            )
        if not candidates:
            return None
        user = candidates[0]
        other = PlatformAccount.objects.filter(platform=identity.platform, user=user).first()
        if other is not None and identity.external_id and other.external_id != identity.external_id:
            raise SignInRefused(
                _(
                    "与您邮箱或手机号相同的 Collab 账号已关联另一个%(platform)s账号，"
                    "请联系管理员核对。"
                )
                % {"platform": platform}
            )
    if not user.is_active:
        raise SignInRefused(_("您的 Collab 账号已停用，请联系管理员。"))
    return user


def unknown_person_message(identity: PlatformIdentity) -> str:
    return _("您的%(platform)s账号（%(name)s）尚未开通 Collab，请联系管理员开通后再登录。") % {
        "platform": _platform_name(identity),
        "name": identity.label,
    }


@transaction.atomic
def platform_account_bind(*, user, identity: PlatformIdentity) -> PlatformAccount:
    """Records (or completes) the person's link to the platform, and fills the e-mail
    and mobile the platform vouches for where the account has none yet (WeCom's
    contacts API gives new apps neither: they are bound at the first sign-in)."""
    account = (
        PlatformAccount.objects.select_for_update()
        .filter(platform=identity.platform, user=user)
        .first()
    )
    if account is None:
        account = PlatformAccount(
            platform=identity.platform,
            user=user,
            external_id=identity.external_id or identity.union_id or identity.open_id,
        )
    if identity.external_id:
        account.external_id = identity.external_id
    if identity.union_id:
        account.union_id = identity.union_id
    if identity.open_id:
        account.open_id = identity.open_id
    account.save()
    changed = []
    if not user.email and identity.emails:
        user.email = identity.emails[0]
        changed.append("email")
    if not user.phone and identity.mobiles:
        user.phone = normalize_mobile(identity.mobiles[0])
        changed.append("phone")
    if not user.display_name and not user.get_full_name() and identity.name:
        user.display_name = identity.name
        changed.append("display_name")
    if changed:
        user.save(update_fields=changed)
    return account


def local_passwords_enabled() -> bool:
    """False when the deployment (COLLAB_LOCAL_PASSWORDS) or staff turned them off."""
    return settings.COLLAB_LOCAL_PASSWORDS and SignInPolicy.current().local_passwords


def sign_in_policy_update(*, actor, local_passwords: bool) -> SignInPolicy:
    policy = SignInPolicy.current()
    policy.local_passwords = local_passwords
    policy.updated_by = actor
    policy.save()
    return policy
