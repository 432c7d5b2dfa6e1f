"""Use cases of the calendar feed token."""

from __future__ import annotations

import secrets

from django.db import transaction

from collab.accounts.models import User

from .models import CalendarFeed


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_get(*, user: User) -> CalendarFeed:
    """The person's feed, created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user, defaults={"token": _new_token()})
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, actor: User) -> CalendarFeed:
    """A new token for the actor's own feed: the old URL answers 404 from now on."""
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if feed is None:
        return CalendarFeed.objects.create(user=actor, token=_new_token())
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed


def calendar_feed_revoke(*, user: User) -> int:
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    return deleted


def feed_owner(token: str) -> User | None:
    """The active person whose feed has this token, else None."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user", "user__department").filter(token=token)
    found = feed.first()
    if found is None or not found.user.is_active:
        return None
    return found.user
