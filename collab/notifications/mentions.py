"""@mentions: a person named as `@用户名` or `@显示名` (followed by a space or a punctuation
mark) in a comment, a progress note, a plan review or meeting minutes is told, if they
may see the requirement it belongs to."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import Q

from .events import notify_event
from .selectors import scope_visible_to

MENTIONED = "user_mentioned"
MENTION = re.compile(r"@([^\s@，。,;；:：!！?？、()（）\[\]【】「」\"'<>]+)")
EXCERPT = 80


def mentioned_names(text: str) -> set[str]:
    return {name.rstrip(".") for name in MENTION.findall(text or "")}


def mentioned_users(text: str, requirement=None) -> list:
    """Active people named in `text` who may see `requirement`."""
    names = mentioned_names(text)
    if not names:
        return []
    users = get_user_model().objects.filter(
        Q(username__in=names) | Q(display_name__in=names), is_active=True
    )
    if requirement is None:
        return list(users)
    return [u for u in users if scope_visible_to(u).filter(pk=requirement.pk).exists()]


def notify_mentions(text: str, *, target, requirement, actor, url: str, where, previous: str = ""):
    """Tell the people newly named in `text` (those already named in `previous`, the
    text before an edit, were told then)."""
    known = mentioned_names(previous)
    people = [
        u
        for u in mentioned_users(text, requirement)
        if u.username not in known and u.display_name not in known
    ]
    if not people:
        return None
    excerpt = " ".join((text or "").split())
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[: EXCERPT - 1] + "…"
    return notify_event(
        MENTIONED,
        target=target,
        requirement=requirement,
        actor=actor,
        url=url,
        params={"where": where, "excerpt": excerpt},
        people=people,
    )
