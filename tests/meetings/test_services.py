import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from collab.notifications.models import Notification
from meetings import services
from meetings.models import ActionItem, ActionItemStatus, Meeting, MeetingKind
from meetings.selectors import review_meeting
from requests_app.selectors import group_members
from tasks_app.models import Task
from tasks_app.services import task_block, task_create, task_start
from tests.factories import make_requirement

HELD = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def weekly(running, users, **fields):
    values = {"held_at": HELD, "minutes": "", "agenda": "议程"}
    values.update(fields)
    return services.meeting_create(
        requirement=running, actor=users["mkt_head"], kind=MeetingKind.WEEKLY, **values
    )


def test_leader_records_a_meeting_with_people_and_departments(running, users, departments):
    meeting = weekly(
        running,
        users,
        attendees=[users["mkt_head"], users["prd_liaison"]],
        departments=[departments["MKT"], departments["PRD"]],
        minutes="纪要",
        decisions="决议",
    )
    meeting.refresh_from_db()
    assert meeting.organizer == users["mkt_head"]
    assert meeting.get_kind_display() == "协作例会"
    assert set(meeting.attendees.all()) == {users["mkt_head"], users["prd_liaison"]}
    assert set(meeting.departments.all()) == {departments["MKT"], departments["PRD"]}
    assert meeting.history.first().history_change_reason == "记录会议"
    assert meeting.published_at is None


def test_eight_kinds_with_chinese_labels():
    assert dict(MeetingKind.choices) == {
        "review": "需求评审会",
        "kickoff": "启动会",
        "plan_review": "方案评审会",
        "weekly": "协作例会",
        "special": "专题会",
        "retrospective": "复盘会",
        "daily": "日同步",
        "monthly": "月总结",
    }


@pytest.mark.parametrize(
    ("username", "kind", "allowed"),
    [
        ("director", "review", True),
        ("mkt_head", "review", False),
        ("mkt_head", "kickoff", True),
        ("mkt_head", "retrospective", True),
        ("prd_liaison", "weekly", False),
        ("prd_liaison", "daily", True),
        ("prd_liaison", "special", True),
        ("cha_contact", "daily", False),
        ("tec_head", "daily", False),
    ],
)
def test_who_organizes_which_kind(running, users, username, kind, allowed):
    call = lambda: services.meeting_create(  # noqa: E731
        requirement=running, actor=users[username], kind=kind, held_at=HELD, agenda=""
    )
    if allowed:
        assert call().kind == kind
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert not Meeting.objects.exists()


def test_bad_input_writes_nothing(running, users):
    with pytest.raises(ValidationError) as error:
        services.meeting_create(
            requirement=running, actor=users["mkt_head"], kind="weekly", held_at=None
        )
    assert "held_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        weekly(running, users, recovery_deadline=datetime.date(2026, 3, 1))
    assert error.value.message_dict["recovery_deadline"] == ["恢复期限不能早于会议日期"]
    assert not Meeting.objects.exists()


def test_weekly_agenda_is_prefilled_from_the_tracker(running, users, departments):
    from risks_app.services import risk_create

    leader = users["mkt_head"]

    def task(code, name, start, end):
        return task_create(
            requirement=running,
            actor=leader,
            code=code,
            name=name,
            owner_department=departments["DSN"],
            owner=users["dsn_liaison"],
            planned_start=start,
            planned_end=end,
        )

    late = task("1.1", "宣传物料制作", datetime.date(2026, 3, 1), datetime.date(2026, 3, 5))
    blocked = task("1.2", "海报印刷", datetime.date(2026, 3, 6), datetime.date(2026, 3, 20))
    task_start(task=blocked, actor=leader)
    task_block(task=blocked, actor=leader, reason="等待品牌审核")
    task("1.3", "渠道对接", datetime.date(2026, 3, 9), datetime.date(2026, 3, 13))
    task("1.4", "下月任务", datetime.date(2026, 4, 1), datetime.date(2026, 4, 10))
    for impact, text in (("high", "场地临时取消"), ("low", "小问题")):
        risk_create(
            requirement=running,
            actor=leader,
            data={
                "kind": "risk",
                "description": text,
                "impact": impact,
                "owner_department": departments["DSN"],
                "occurred_on": datetime.date(2026, 3, 9),
                "planned_resolution": datetime.date(2026, 3, 12),
            },
        )
    meeting = services.meeting_create(
        requirement=running, actor=leader, kind=MeetingKind.WEEKLY, held_at=HELD
    )
    agenda = meeting.agenda
    assert "1. 延期任务（1）" in agenda
    assert f"{late.code} 宣传物料制作" in agenda and "延期5天" in agenda
    assert "2. 阻塞任务（1）" in agenda and "1.2 海报印刷" in agenda
    assert "3. 本周到期任务（1）" in agenda and "1.3 渠道对接" in agenda
    assert "1.4 下月任务" not in agenda
    assert "4. 高影响未解决风险/问题（1）" in agenda and "场地临时取消" in agenda
    assert "小问题" not in agenda
    # Other kinds start with an empty agenda; a given agenda is kept as written.
    kickoff = services.meeting_create(
        requirement=running, actor=leader, kind=MeetingKind.KICKOFF, held_at=HELD
    )
    assert kickoff.agenda == ""
    assert weekly(running, users, agenda="自定义").agenda == "自定义"


def test_publish_notifies_every_group_member_and_records_the_time(running, users, clock):
    meeting = weekly(running, users, minutes="渠道对接延迟2天,因合作方档期冲突")
    clock.move_to(HELD + datetime.timedelta(hours=5))
    services.meeting_publish(meeting=meeting, actor=users["mkt_head"])
    meeting.refresh_from_db()
    assert meeting.published_at == HELD + datetime.timedelta(hours=5)
    assert meeting.published_by == users["mkt_head"]
    assert meeting.published_in_time is True
    # The group and the initiator, who watches the requirement; not the publisher.
    members = {m.user for m in group_members(running)} - {users["mkt_head"]}
    notified = Notification.objects.filter(kind="minutes_published")
    assert {n.recipient for n in notified} == members | {users["mkt_staff"]}
    assert notified.count() == len(members) + 1 == 5
    assert all(n.target == f"/meetings/{meeting.pk}/" for n in notified)
    with pytest.raises(ValidationError):
        services.meeting_publish(meeting=meeting, actor=users["mkt_head"])
    assert Notification.objects.filter(kind="minutes_published").count() == 5


def test_publishing_late_is_shown_as_late(running, users, clock):
    meeting = weekly(running, users, minutes="纪要")
    clock.move_to(HELD + datetime.timedelta(hours=30))
    assert meeting.publish_overdue
    services.meeting_publish(meeting=meeting, actor=users["mkt_head"])
    meeting.refresh_from_db()
    assert meeting.published_in_time is False


def test_publish_needs_minutes_and_an_editor(running, users):
    meeting = weekly(running, users)
    with pytest.raises(ValidationError) as error:
        services.meeting_publish(meeting=meeting, actor=users["mkt_head"])
    assert error.value.message_dict["minutes"] == ["请先填写会议纪要再发布"]
    services.meeting_update(meeting=meeting, actor=users["mkt_head"], data={"minutes": "纪要"})
    with pytest.raises(PermissionDenied):
        services.meeting_publish(meeting=meeting, actor=users["prd_liaison"])
    meeting.refresh_from_db()
    assert meeting.published_at is None
    assert not Notification.objects.filter(kind="minutes_published").exists()


def test_action_items_have_owner_due_date_and_status(running, users):
    meeting = weekly(running, users)
    item = services.action_item_add(
        meeting=meeting,
        actor=users["mkt_head"],
        text="协调销售部*加急对接",
        owner=users["sal_liaison"],
        due_date=datetime.date(2026, 3, 12),
    )
    assert item.status == ActionItemStatus.OPEN
    # The owner ticks off their own item but cannot rewrite it; others cannot touch it.
    services.action_item_update(item=item, actor=users["sal_liaison"], data={"status": "done"})
    with pytest.raises(PermissionDenied):
        services.action_item_update(item=item, actor=users["sal_liaison"], data={"text": "x"})
    with pytest.raises(PermissionDenied):
        services.action_item_update(item=item, actor=users["prd_liaison"], data={"status": "open"})
    item.refresh_from_db()
    assert item.status == "done" and item.text == "协调销售部*加急对接"


@pytest.mark.parametrize(
    ("owner", "due", "field", "message"),
    [
        ("tec_staff", datetime.date(2026, 3, 12), "owner", "负责人必须是协作小组成员"),
        ("sal_liaison", datetime.date(2026, 3, 1), "due_date", "截止日期不能早于会议日期"),
        ("sal_liaison", None, "due_date", "请填写截止日期"),
    ],
)
def test_bad_action_items_are_refused(running, users, owner, due, field, message):
    meeting = weekly(running, users)
    with pytest.raises(ValidationError) as error:
        services.action_item_add(
            meeting=meeting, actor=users["mkt_head"], text="待办", owner=users[owner], due_date=due
        )
    assert error.value.message_dict[field] == [message]
    assert not ActionItem.objects.exists()


def test_an_action_item_becomes_a_task_in_one_click(running, users, departments):
    meeting = weekly(running, users)
    item = services.action_item_add(
        meeting=meeting,
        actor=users["mkt_head"],
        text="补充品牌审核环节",
        owner=users["dsn_liaison"],
        due_date=datetime.date(2026, 3, 20),
    )
    task = services.action_item_convert(item=item, actor=users["mkt_head"])
    assert isinstance(task, Task)
    assert task.requirement == running
    assert task.name == "补充品牌审核环节"
    assert task.owner == users["dsn_liaison"]
    assert task.owner_department == departments["DSN"]
    assert task.planned_start == datetime.date(2026, 3, 10)
    assert task.planned_end == datetime.date(2026, 3, 20)
    assert "由会议待办转入" in task.history.first().history_change_reason
    item.refresh_from_db()
    assert item.converted == task
    with pytest.raises(ValidationError):
        services.action_item_convert(item=item, actor=users["mkt_head"])
    with pytest.raises(ValidationError):
        services.action_item_convert(item=item, actor=users["mkt_head"], to="nothing")
    assert Task.objects.count() == 1


def test_only_meeting_editors_convert(running, users):
    meeting = weekly(running, users)
    item = services.action_item_add(
        meeting=meeting,
        actor=users["mkt_head"],
        text="待办",
        owner=users["dsn_liaison"],
        due_date=datetime.date(2026, 3, 20),
    )
    with pytest.raises(PermissionDenied):
        services.action_item_convert(item=item, actor=users["dsn_liaison"])
    assert not Task.objects.exists()


def test_requirement_review_meeting_is_a_meeting_of_kind_review(org, users):
    requirement = make_requirement(org)
    meeting = services.meeting_record_review(
        requirement=requirement,
        actor=users["director"],
        held_on=datetime.date(2026, 3, 3),
        conclusion="目标一致，资源可行，同意立项",
        attendees=[users["mkt_head"], users["prd_head"]],
    )
    assert isinstance(meeting, Meeting)
    assert meeting.kind == MeetingKind.REVIEW
    assert meeting.held_on == datetime.date(2026, 3, 3)
    assert meeting.conclusion == "目标一致，资源可行，同意立项"
    assert review_meeting(requirement) == meeting
    again = services.meeting_record_review(
        requirement=requirement,
        actor=users["director"],
        held_on=datetime.date(2026, 3, 4),
        conclusion="补充评审：通过",
    )
    assert again.pk == meeting.pk
    assert Meeting.objects.filter(kind="review").count() == 1
    assert timezone.localdate(Meeting.objects.get().held_at) == datetime.date(2026, 3, 4)
    assert list(again.attendees.all()) == []


def test_review_meeting_is_recorded_by_the_coordinator_only(org, users):
    requirement = make_requirement(org)
    with pytest.raises(PermissionDenied, match="只有协作协调人可以记录需求评审会"):
        services.meeting_record_review(
            requirement=requirement,
            actor=users["mkt_staff"],
            held_on=datetime.date(2026, 3, 3),
            conclusion="通过",
        )
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_record_review(
            requirement=requirement,
            actor=users["director"],
            held_on=datetime.date(2026, 3, 3),
            conclusion=" ",
        )
    assert excinfo.value.message_dict == {"conclusion": ["请填写评审结论"]}
    assert not Meeting.objects.exists()
