"""Alerts of the requirement register: a requirement waiting in review too long goes to
its coordinator; pending review sign-offs join each head's daily digest. Also the
group-role lookups other apps' alert scans share."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Min, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.notifications.alerts import ScanContext, alert_scan, digest_section
from collab.notifications.models import Alert, AlertKind
from collab.notifications.services import AlertSpec
from collab.signoffs.services import signoff_state

from .models import REVIEW_STAGE, GroupMember, GroupRole, Requirement, RequirementStatus


def url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def url_maker(name: str):
    """pk -> URL of a detail page, reversing once per scan instead of once per row."""
    marker = 987654321
    template = url_or_blank(name, marker)
    return lambda pk: template.replace(str(marker), str(pk)) if template else ""


def users_by_id(user_ids: Iterable[int]) -> dict:
    from collab.accounts.models import User

    ids = {pk for pk in user_ids if pk}
    return {u.pk: u for u in User.objects.filter(pk__in=ids)} if ids else {}


def group_users(requirement_ids: Iterable[int], role: str, departments=None) -> dict:
    """{(requirement_id, department_id): user} for liaisons, {requirement_id: user} for
    the leader; two queries whatever the number of requirements."""
    rows = GroupMember.objects.filter(requirement_id__in=set(requirement_ids), role=role)
    if departments is not None:
        rows = rows.filter(department_id__in=set(departments))
    rows = list(rows.values_list("requirement_id", "department_id", "user_id"))
    users = users_by_id(user_id for _r, _d, user_id in rows)
    if role == GroupRole.LEADER:
        return {r: users.get(u) for r, _d, u in rows}
    return {(r, d): users.get(u) for r, d, u in rows}


def entered_review_subquery():
    """When the current review round began: the first history row of this round."""
    history = Requirement.history.model.objects.filter(
        id=OuterRef("pk"), review_round=OuterRef("review_round")
    )
    return Subquery(
        history.order_by().values("id").annotate(first=Min("history_date")).values("first")[:1]
    )


@alert_scan("review_stale", _("需求评审超期"))
def scan_review_stale(ctx: ScanContext):
    """Requirements in 待评审 longer than COLLAB_ALERT_REVIEW_DAYS (counted days) since
    the review round began: to the coordinator. Keyed on the day it became overdue."""
    limit = getattr(settings, "COLLAB_ALERT_REVIEW_DAYS", 3)
    latest_entry = ctx.days.latest_end_over(ctx.today, limit)
    cutoff = timezone.make_aware(
        datetime.datetime.combine(latest_entry + datetime.timedelta(days=1), datetime.time())
    )
    candidates = (
        Requirement.objects.filter(status=RequirementStatus.PENDING_REVIEW)
        .annotate(entered_review=entered_review_subquery())
        .filter(entered_review__lt=cutoff)
        .select_related("coordinator")
    )
    candidates = list(candidates)
    already = set(
        Alert.objects.filter(
            kind=AlertKind.REVIEW_STALE,
            content_type=ContentType.objects.get_for_model(Requirement),
            object_id__in=[r.pk for r in candidates],
        ).values_list("object_id", "due_on")
    )
    for requirement in candidates:
        entered = timezone.localdate(requirement.entered_review)
        overdue_on = ctx.days.shift(entered, limit + 1)
        if (requirement.pk, overdue_on) in already:
            continue
        yield AlertSpec(
            kind=AlertKind.REVIEW_STALE,
            target=requirement,
            due_on=overdue_on,
            recipients=[requirement.coordinator],
            message="",
            params={
                "number": requirement.number,
                "topic": requirement.topic,
                "since": entered.isoformat(),
                "days": limit,
            },
            url=url_or_blank("requirements:detail", requirement.pk),
            requirement_id=requirement.pk,
        )


@digest_section(order=30)
def digest_review_signoffs(ctx: ScanContext) -> dict[int, list[str]]:
    """Review sign-offs still missing, for each person who may give them."""
    lines: dict[int, list[str]] = {}
    pending = (
        Requirement.objects.filter(status=RequirementStatus.PENDING_REVIEW)
        .select_related("coordinator", "initiating_department__head")
        .prefetch_related("departments__head")
    )
    for requirement in pending:
        for slot in signoff_state(requirement, REVIEW_STAGE):
            if slot.approved:
                continue
            for signer in slot.signers:
                lines.setdefault(signer.pk, []).append(
                    _("待签字：需求 %(number)s「%(topic)s」评审（%(slot)s）")
                    % {"number": requirement.number, "topic": requirement.topic, "slot": slot.label}
                )
    return lines
