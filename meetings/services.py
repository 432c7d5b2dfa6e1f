"""Use cases of meetings: record, edit, publish minutes, manage and convert action items."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from collab.core.history import one_entry
from collab.notifications.mentions import notify_mentions
from collab.notifications.messages import translatable
from requests_app import rules as requirement_rules

from . import events
from . import rules as perms
from .hooks import action_item_converter
from .models import ActionItem, ActionItemStatus, CauseCategory, Meeting, MeetingKind

EDITABLE_FIELDS = (
    "title",
    "held_at",
    "location",
    "agenda",
    "minutes",
    "decisions",
    "cause_category",
    "solution",
    "recovery_plan",
    "recovery_deadline",
)


def _validate(meeting: Meeting) -> None:
    errors: dict[str, list[str]] = {}
    if meeting.kind not in MeetingKind.values:
        errors["kind"] = [_("未知的会议类型")]
    if not meeting.held_at:
        errors["held_at"] = [_("请填写会议时间")]
    if meeting.cause_category and meeting.cause_category not in CauseCategory.values:
        errors["cause_category"] = [_("未知的原因类别")]
    if (
        meeting.recovery_deadline
        and meeting.held_at
        and meeting.recovery_deadline < timezone.localdate(meeting.held_at)
    ):
        errors.setdefault("recovery_deadline", []).append(_("恢复期限不能早于会议日期"))
    for field in ("title", "location"):
        limit = Meeting._meta.get_field(field).max_length
        if len(getattr(meeting, field) or "") > limit:
            errors.setdefault(field, []).append(_("内容过长"))
    if errors:
        raise ValidationError(errors)


def _as_aware(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time(9, 0)))


@transaction.atomic
def meeting_create(
    *,
    requirement,
    actor,
    kind: str,
    held_at,
    attendees: Iterable = (),
    departments: Iterable = (),
    subject=None,
    rule: str = "",
    **fields,
) -> Meeting:
    """Record a meeting of a requirement; the agenda of a weekly meeting defaults to the
    tracker's suggestion (late, blocked and due tasks, open high-impact risks).

    `rule`: the meeting is scheduled by that rule (its history says 系统 and the rule);
    `actor` is still the organizer whose permission it runs with."""
    if not perms.can_organize(actor, requirement, kind, subject=subject):
        raise PermissionDenied(_("您不能组织该类型的会议"))
    data = {key: value for key, value in fields.items() if key in EDITABLE_FIELDS}
    if held_at:
        held_at = _as_aware(held_at)
    meeting = Meeting(requirement=requirement, kind=kind, organizer=actor, held_at=held_at, **data)
    if subject is not None:
        meeting.subject_type = ContentType.objects.get_for_model(type(subject))
        meeting.subject_id = subject.pk
    _validate(meeting)
    if "agenda" not in fields and held_at:
        from .selectors import agenda_suggestion

        meeting.agenda = agenda_suggestion(requirement, kind, timezone.localdate(held_at))
    with one_entry(meeting, actor=None if rule else actor, reason=rule or _("记录会议")):
        meeting.save()
        meeting.attendees.set(attendees)
        meeting.departments.set(departments)
    if meeting.held_at >= timezone.now():
        events.notify_meeting(events.MeetingEvent.SCHEDULED, meeting, actor=None if rule else actor)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    actor,
    data: dict,
    attendees: Iterable | None = None,
    departments: Iterable | None = None,
    reason: str = "",
) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not perms.can_edit(actor, meeting):
        raise PermissionDenied(_("您不能修改该会议"))
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            if key == "held_at" and value:
                value = _as_aware(value)
            setattr(meeting, key, value)
    _validate(meeting)
    with one_entry(meeting, actor=actor, reason=reason or _("修改会议记录")):
        meeting.save()
        if attendees is not None:
            meeting.attendees.set(attendees)
        if departments is not None:
            meeting.departments.set(departments)
    return meeting


@transaction.atomic
def meeting_publish(*, meeting: Meeting, actor) -> Meeting:
    """Publish the minutes to every group member; the time is recorded (24-hour rule)."""
    meeting = Meeting.objects.select_for_update().select_related("requirement").get(pk=meeting.pk)
    if not perms.can_edit(actor, meeting):
        raise PermissionDenied(_("您不能发布该会议的纪要"))
    if meeting.published_at is not None:
        raise ValidationError(_("纪要已于 %(at)s 发布") % {"at": _local(meeting.published_at)})
    if not meeting.minutes.strip():
        raise ValidationError({"minutes": _("请先填写会议纪要再发布")})
    meeting.published_at = timezone.now()
    meeting.published_by = actor
    meeting._history_user = actor
    meeting._change_reason = _("发布会议纪要")
    meeting.save(update_fields=["published_at", "published_by", "updated_at"])
    events.notify_meeting(events.MeetingEvent.MINUTES_PUBLISHED, meeting, actor=actor)
    notify_mentions(
        f"{meeting.minutes}\n{meeting.decisions}",
        target=meeting,
        requirement=meeting.requirement,
        actor=actor,
        url=meeting.get_absolute_url(),
        where=translatable(_lazy("会议纪要「%(title)s」"), title=meeting.display_title),
    )
    return meeting


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def meeting_record_review(
    *, requirement, actor, held_on: datetime.date | None, conclusion: str, attendees: Iterable = ()
) -> Meeting:
    """Record the requirement review meeting (需求评审会): one per requirement, updated in
    place; the coordinator records it."""
    if not requirement_rules.can_review(actor, requirement):
        raise PermissionDenied(_("只有协作协调人可以记录需求评审会"))
    if not (conclusion or "").strip():
        raise ValidationError({"conclusion": _("请填写评审结论")})
    if held_on is None:
        raise ValidationError({"held_on": _("请填写会议日期")})
    meeting = (
        Meeting.objects.select_for_update()
        .filter(requirement=requirement, kind=MeetingKind.REVIEW)
        .order_by("id")
        .first()
    )
    fields = {"held_at": held_on, "decisions": conclusion, "minutes": conclusion}
    if meeting is None:
        return meeting_create(
            requirement=requirement,
            actor=actor,
            kind=MeetingKind.REVIEW,
            attendees=attendees,
            departments=[],
            title=_("需求评审会"),
            agenda="",
            **fields,
        )
    return meeting_update(
        meeting=meeting, actor=actor, data=fields, attendees=attendees, reason=_("更新评审结论")
    )


# Action items
def _validate_item(item: ActionItem) -> None:
    errors: dict[str, list[str]] = {}
    if not (item.text or "").strip():
        errors["text"] = [_("请填写待办事项")]
    elif len(item.text) > ActionItem._meta.get_field("text").max_length:
        errors["text"] = [_("内容过长")]
    if item.owner_id is None:
        errors["owner"] = [_("请指定负责人")]
    elif not perms.can_view_requirement(item.owner, item.meeting.requirement):
        errors["owner"] = [_("负责人必须是协作小组成员")]
    if item.due_date is None:
        errors["due_date"] = [_("请填写截止日期")]
    elif item.due_date < timezone.localdate(item.meeting.held_at):
        errors["due_date"] = [_("截止日期不能早于会议日期")]
    if item.status not in ActionItemStatus.values:
        errors["status"] = [_("未知状态")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_item_add(*, meeting: Meeting, actor, text: str, owner, due_date) -> ActionItem:
    if not perms.can_edit(actor, meeting):
        raise PermissionDenied(_("您不能为该会议添加待办"))
    item = ActionItem(meeting=meeting, text=(text or "").strip(), owner=owner, due_date=due_date)
    _validate_item(item)
    item._history_user = actor
    item._change_reason = _("添加待办")
    item.save()
    events.notify_item(item, actor=actor)
    return item


@transaction.atomic
def action_item_update(*, item: ActionItem, actor, data: dict) -> ActionItem:
    item = ActionItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if not perms.can_update_item(actor, item):
        raise PermissionDenied(_("您不能修改该待办"))
    previous_owner = item.owner_id
    editable = (
        ("status",)
        if not perms.can_edit(actor, item.meeting)
        else (
            "text",
            "owner",
            "due_date",
            "status",
        )
    )
    for key, value in data.items():
        if key in editable:
            setattr(item, key, value)
        elif key in ("text", "owner", "due_date"):
            raise PermissionDenied(_("您只能更新自己待办的状态"))
    _validate_item(item)
    item._history_user = actor
    item._change_reason = _("更新待办")
    item.save()
    if item.owner_id != previous_owner and item.status == ActionItemStatus.OPEN:
        events.notify_item(item, actor=actor)
    return item


@transaction.atomic
def action_item_convert(*, item: ActionItem, actor, to: str = "task"):
    """Turn an action item into another record (a task of the requirement) in one click."""
    item = ActionItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if not perms.can_edit(actor, item.meeting):
        raise PermissionDenied(_("您不能转换该待办"))
    converter = action_item_converter(to)
    if converter is None:
        raise ValidationError({"to": _("不支持的转换目标")})
    if item.is_converted:
        raise ValidationError(_("该待办已转为%(label)s") % {"label": converter.label})
    if item.status == ActionItemStatus.CANCELLED:
        raise ValidationError(_("已取消的待办不能转换"))
    created = converter.convert(item=item, actor=actor)
    item.converted_type = ContentType.objects.get_for_model(type(created))
    item.converted_id = created.pk
    item._history_user = actor
    item._change_reason = _("转为%(label)s") % {"label": converter.label}
    item.save(update_fields=["converted_type", "converted_id"])
    return created
