"""What a platform tells us about the person signing in, in one shape for every
provider: the ids to look up a PlatformAccount by, and the e-mail addresses and mobile
numbers the platform vouches for (used to find an existing account)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from allauth.core.internal.datakit import parse_bool_safely

from .models import Platform


@dataclass
class PlatformIdentity:
    platform: str
    external_id: str = ""
    union_id: str = ""
    open_id: str = ""
    name: str = ""
    emails: list[str] = field(default_factory=list)
    mobiles: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or self.external_id or self.union_id or self.open_id


def normalize_mobile(value: str) -> str:
    """Digits only, without the +86 country prefix: "+86 138-0000-0000" → 13800000000."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _clean(values) -> list[str]:
    return [value.strip() for value in values if value and value.strip()]


def dingtalk(data: dict) -> PlatformIdentity:
    # OAuth login (users/me: unionId, openId, nick, mobile) completed with the company
    # userid and work e-mail; 免登 (getuserinfo: userid, unionid, name) likewise.
    return PlatformIdentity(
        platform=Platform.DINGTALK,
        external_id=data.get("userid", ""),
        union_id=data.get("unionId") or data.get("unionid", ""),
        open_id=data.get("openId", ""),
        name=data.get("nick") or data.get("name", ""),
        # The work e-mail is set by the company's administrators; a DingTalk account's
        # mobile number is confirmed by SMS.
        emails=_clean([data.get("org_email", "")]),
        mobiles=_clean([data.get("mobile", "")]),
    )


def feishu(data: dict) -> PlatformIdentity:
    # authen/v1/user_info: the tenant's directory entry of the person.
    return PlatformIdentity(
        platform=Platform.FEISHU,
        external_id=data.get("user_id", ""),
        union_id=data.get("union_id", ""),
        open_id=data.get("open_id", ""),
        name=data.get("name", ""),
        emails=_clean([data.get("enterprise_email", ""), data.get("email", "")]),
        mobiles=_clean([data.get("mobile", "")]),
    )


def wecom(data: dict) -> PlatformIdentity:
    return PlatformIdentity(
        platform=Platform.WECOM,
        external_id=data.get("userid", ""),
        open_id=data.get("open_userid", ""),
        name=data.get("name", ""),
        emails=_clean([data.get("biz_mail", ""), data.get("email", "")]),
        mobiles=_clean([data.get("mobile", "")]),
    )


def oidc(data: dict) -> PlatformIdentity:
    # allauth keeps the id_token claims and the userinfo answer apart
    claims = dict(data.get("id_token") or {})
    claims.update(data.get("userinfo") or {})
    verified_email = parse_bool_safely(claims.get("email_verified"))
    verified_phone = parse_bool_safely(claims.get("phone_number_verified"))
    return PlatformIdentity(
        platform=Platform.OIDC,
        external_id=str(claims.get("sub", "")),
        name=claims.get("name") or claims.get("preferred_username", ""),
        emails=_clean([claims.get("email", "")]) if verified_email else [],
        mobiles=_clean([claims.get("phone_number", "")]) if verified_phone else [],
    )


EXTRACTORS = {
    "dingtalk": dingtalk,
    "feishu": feishu,
    "wecom": wecom,
    "openid_connect": oidc,
}


def identity_from(provider_id: str, extra_data: dict) -> PlatformIdentity:
    """provider_id is allauth's provider class id (openid_connect for every OIDC app)."""
    return EXTRACTORS[provider_id](extra_data)
