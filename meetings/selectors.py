from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from requests_app.selectors import requirements_visible_to

from .hooks import agenda_providers
from .models import ActionItem, ActionItemStatus, Meeting, MeetingKind


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings of requirements the user may see; partners only those they attend."""
    qs = Meeting.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_staff:
        return qs
    qs = qs.filter(requirement__in=requirements_visible_to(user))
    if user.is_partner:
        attends = Exists(
            Meeting.attendees.through.objects.filter(meeting=OuterRef("pk"), user=user)
        )
        department = Exists(
            Meeting.departments.through.objects.filter(
                meeting=OuterRef("pk"), department=user.department_id
            )
        )
        qs = qs.filter(Q(attends) | Q(department))
    return qs


def meeting_list(user) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("requirement", "organizer")
        .prefetch_related("departments", "attendees")
        .annotate(
            item_count=Count("action_items", distinct=True),
            open_item_count=Count(
                "action_items",
                filter=Q(action_items__status=ActionItemStatus.OPEN),
                distinct=True,
            ),
        )
        .order_by("-held_at", "-id")
    )


def meeting_detail(user) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("requirement", "organizer", "published_by", "subject_type")
        .prefetch_related(
            "departments",
            "attendees",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner").prefetch_related("converted"),
            ),
        )
    )


def action_items_visible_to(user) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(meeting__in=meetings_visible_to(user))


def meetings_about(obj) -> QuerySet[Meeting]:
    """Meetings whose subject is obj (e.g. the special meetings of an issue)."""
    from django.contrib.contenttypes.models import ContentType

    return Meeting.objects.filter(
        subject_type=ContentType.objects.get_for_model(type(obj)), subject_id=obj.pk
    )


def agenda_suggestion(requirement, kind: str, week_of: date) -> str:
    """Agenda lines contributed by the registers for a new meeting of this kind."""
    lines: list[str] = []
    for provider in agenda_providers(kind):
        lines.extend(provider(requirement, week_of))
    return "\n".join(lines)


def review_meeting(requirement) -> Meeting | None:
    """The requirement review meeting (需求评审会) of the requirement, if recorded."""
    return (
        Meeting.objects.filter(requirement=requirement, kind=MeetingKind.REVIEW)
        .prefetch_related("attendees")
        .order_by("id")
        .first()
    )
