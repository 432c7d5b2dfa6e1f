"""Who may see and run meetings. Roles come from the requirement's group."""

from __future__ import annotations

from requests_app import rules as requirement_rules

from .models import MeetingKind

# Kinds an internal group member (not only the leader) may record.
MEMBER_KINDS = (MeetingKind.DAILY, MeetingKind.SPECIAL)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view_requirement(user, requirement) -> bool:
    return _active(user) and requirement_rules.can_view(user, requirement)


def can_view(user, meeting) -> bool:
    """Mirror of selectors.meetings_visible_to for one meeting."""
    if not can_view_requirement(user, meeting.requirement):
        return False
    if not user.is_partner or user.is_staff:
        return True
    attendee_ids = {u.pk for u in meeting.attendees.all()}
    department_ids = {d.pk for d in meeting.departments.all()}
    return user.pk in attendee_ids or user.department_id in department_ids


def can_organize(user, requirement, kind: str, subject=None) -> bool:
    """Coordinator: every kind; leader: all but the requirement review; internal group
    members: daily syncs and special meetings. A special meeting about a record may also
    be convened by whom the record allows (e.g. an issue's owner)."""
    if not _active(user):
        return False
    convene = getattr(subject, "may_convene_special_meeting", None)
    if kind == MeetingKind.SPECIAL and convene is not None and convene(user):
        return True
    if requirement.status in ("completed", "rejected") and kind not in (
        MeetingKind.RETROSPECTIVE,
        MeetingKind.REVIEW,
    ):
        return False
    if requirement_rules.is_coordinator_of(user, requirement):
        return True
    if kind == MeetingKind.REVIEW:
        return False
    if requirement_rules.is_leader(user, requirement):
        return True
    return (
        kind in MEMBER_KINDS
        and not user.is_partner
        and requirement_rules.is_group_member(user, requirement)
    )


def can_edit(user, meeting) -> bool:
    if not _active(user):
        return False
    if meeting.organizer_id == user.pk:
        return True
    requirement = meeting.requirement
    if requirement_rules.is_coordinator_of(user, requirement):
        return True
    return meeting.kind != MeetingKind.REVIEW and requirement_rules.is_leader(user, requirement)


def can_update_item(user, item) -> bool:
    """The owner ticks off their own item; the meeting's editors manage every item."""
    return _active(user) and (item.owner_id == user.pk or can_edit(user, item.meeting))
