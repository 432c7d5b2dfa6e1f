import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collab.core.history import history_entries
from collab.core.transitions import TransitionBlocked
from collab.notifications.models import Notification
from meetings.models import Meeting
from meetings.services import action_item_add, action_item_convert
from risks_app import services
from risks_app.models import Reallocation, Risk, RiskStatus
from tasks_app.models import Task
from tasks_app.services import task_create

from .conftest import make_risk, start_running


def test_record_ids_count_per_requirement(org, running, risk_factory):
    first = risk_factory(running)
    second = risk_factory(running, kind="risk", impact="low")
    other = start_running(org, topic="另一个需求")
    assert (first.code, second.code) == ("001", "002")
    assert risk_factory(other).code == "001"
    assert first.created_by == org["users"]["mkt_head"]
    assert first.status == RiskStatus.OPEN
    assert first.history.first().history_change_reason == "登记问题"


def test_anyone_in_the_group_records_outsiders_do_not(org, running, risk_factory):
    assert risk_factory(running, actor="cha_contact").code == "001"
    assert risk_factory(running, actor="director").code == "002"
    with pytest.raises(PermissionDenied):
        risk_factory(running, actor="tec_head")
    assert Risk.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"description": "  "}, "description", "请填写风险/问题描述"),
        ({"impact": "severe"}, "impact", "影响等级应为 高、中 或 低"),
        (
            {"planned_resolution": datetime.date(2026, 3, 1)},
            "planned_resolution",
            "计划解决时间不能早于发生时间",
        ),
        ({"occurred_on": datetime.date(2026, 3, 11)}, "occurred_on", "发生时间不能晚于今天"),
        ({"owner": "prd_liaison"}, "owner", "责任人必须属于责任部门"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(org, running, data, field, message):
    if data.get("owner"):
        data["owner"] = org["users"][data["owner"]]
    with pytest.raises(ValidationError) as error:
        make_risk(org, running, **data)
    assert message in error.value.message_dict[field]
    assert not Risk.objects.exists()


def test_task_link_must_be_in_the_same_requirement(org, running, users, departments):
    other = start_running(org, topic="另一个需求")
    foreign = task_create(
        requirement=other,
        actor=users["mkt_head"],
        name="别处任务",
        owner_department=departments["DSN"],
        owner=users["dsn_liaison"],
        planned_start=datetime.date(2026, 3, 1),
        planned_end=datetime.date(2026, 3, 20),
    )
    with pytest.raises(ValidationError) as error:
        make_risk(org, running, task=foreign)
    assert error.value.message_dict["task"] == ["关联任务必须属于同一需求"]


def test_lifecycle_open_in_progress_resolved_closed(running, users, risk_factory):
    risk = risk_factory(running)
    owner = users["dsn_liaison"]
    risk = services.risk_start(risk=risk, actor=owner)
    assert risk.status == RiskStatus.IN_PROGRESS
    with pytest.raises(TransitionBlocked) as blocked:
        services.risk_resolve(risk=risk, actor=owner)
    assert blocked.value.reasons == ["解决前请填写解决措施", "解决前请填写实际解决时间"]
    risk.refresh_from_db()
    assert risk.status == RiskStatus.IN_PROGRESS
    risk = services.risk_resolve(
        risk=risk,
        actor=owner,
        measures="重新设计,增加品牌审核环节",
        actual_resolution=datetime.date(2026, 3, 3),
    )
    assert risk.status == RiskStatus.RESOLVED and risk.result == "已解决"
    with pytest.raises(PermissionDenied):
        services.risk_close(risk=risk, actor=owner)
    risk = services.risk_close(risk=risk, actor=users["mkt_head"])
    assert risk.status == RiskStatus.CLOSED
    reasons = [h.history_change_reason for h in risk.history.order_by("history_id")]
    assert reasons == ["登记问题", "开始处理", "问题已解决", "关闭记录"]
    with pytest.raises(TransitionBlocked):
        services.risk_reopen(risk=risk, actor=users["mkt_head"], reason="再次发生")


def test_resolution_date_cannot_be_in_the_future_or_before_occurrence(running, users, risk_factory):
    risk = risk_factory(running)
    for day in (datetime.date(2026, 3, 11), datetime.date(2026, 3, 1)):
        with pytest.raises(ValidationError):
            services.risk_resolve(
                risk=risk, actor=users["mkt_head"], measures="措施", actual_resolution=day
            )
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN and risk.actual_resolution is None


def test_reopen_needs_a_reason_and_clears_the_resolution(running, users, risk_factory):
    risk = risk_factory(running)
    risk = services.risk_resolve(
        risk=risk,
        actor=users["mkt_head"],
        measures="措施",
        actual_resolution=datetime.date(2026, 3, 3),
    )
    with pytest.raises(ValidationError) as error:
        services.risk_reopen(risk=risk, actor=users["dsn_liaison"], reason=" ")
    assert error.value.message_dict["reason"] == ["重新打开时必须填写原因"]
    with pytest.raises(PermissionDenied):
        services.risk_reopen(risk=risk, actor=users["prd_liaison"], reason="复发")
    risk = services.risk_reopen(risk=risk, actor=users["dsn_liaison"], reason="品牌审核再次未通过")
    assert risk.status == RiskStatus.IN_PROGRESS
    assert risk.reopen_reason == "品牌审核再次未通过"
    assert risk.actual_resolution is None and risk.result == ""
    assert risk.measures == "措施"
    assert risk.history.first().history_change_reason == "品牌审核再次未通过"


def test_only_owner_leader_coordinator_work_on_a_record(running, users, risk_factory):
    risk = risk_factory(running)
    for name in ("prd_liaison", "cha_contact", "tec_head"):
        with pytest.raises(PermissionDenied):
            services.risk_start(risk=risk, actor=users[name])
    services.risk_start(risk=risk, actor=users["director"])


def special(risk, users, actor="dsn_liaison", **overrides):
    values = {
        "held_at": datetime.datetime.fromisoformat("2026-03-10T09:00:00+08:00"),
        "departments": [users["dsn_liaison"].department, users["mkt_head"].department],
        "attendees": [users["dsn_liaison"], users["mkt_head"]],
        "cause_category": "capability",
        "solution": "增加品牌审核环节",
        "recovery_plan": "3月12日前重新提交设计稿",
        "recovery_deadline": datetime.date(2026, 3, 12),
        "minutes": "品牌规范理解不一致",
    }
    values.update(overrides)
    return services.risk_convene_special_meeting(risk=risk, actor=users[actor], **values)


def test_issue_owner_convenes_a_special_meeting(running, users, risk_factory):
    risk = risk_factory(running)
    meeting = special(risk, users)
    assert meeting.kind == "special" and meeting.subject == risk
    assert meeting.organizer == users["dsn_liaison"]
    assert meeting.get_cause_category_display() == "能力不足"
    assert meeting.recovery_deadline == datetime.date(2026, 3, 12)
    assert set(meeting.departments.all()) == {
        users["dsn_liaison"].department,
        users["mkt_head"].department,
    }
    risk.refresh_from_db()
    assert risk.status == RiskStatus.IN_PROGRESS
    # Its action items follow the meeting rules: the organizer adds and converts them.
    item = action_item_add(
        meeting=meeting,
        actor=users["dsn_liaison"],
        text="重新设计宣传物料",
        owner=users["dsn_liaison"],
        due_date=datetime.date(2026, 3, 12),
    )
    task = action_item_convert(item=item, actor=users["mkt_head"])
    assert task.name == "重新设计宣传物料"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cause_category": ""}, "cause_category"),
        ({"cause_category": "luck"}, "cause_category"),
        ({"solution": " "}, "solution"),
        ({"recovery_plan": ""}, "recovery_plan"),
        ({"recovery_deadline": None}, "recovery_deadline"),
        ({"departments": []}, "departments"),
    ],
)
def test_special_meeting_needs_its_analysis(running, users, risk_factory, overrides, field):
    risk = risk_factory(running)
    with pytest.raises(ValidationError) as error:
        special(risk, users, **overrides)
    assert field in error.value.message_dict
    assert not Meeting.objects.exists()


def test_special_meetings_are_for_issues_by_those_working_on_them(running, users, risk_factory):
    potential = risk_factory(running, kind="risk")
    with pytest.raises(ValidationError):
        special(potential, users)
    issue = risk_factory(running)
    with pytest.raises(PermissionDenied):
        special(issue, users, actor="prd_liaison")
    assert not Meeting.objects.exists()


def test_cause_categories():
    from meetings.models import CauseCategory

    assert [label for _value, label in CauseCategory.choices] == [
        "资源不足",
        "需求变更",
        "能力不足",
        "外部因素",
        "其他",
    ]


@pytest.fixture
def late_task(running, users, departments):
    return task_create(
        requirement=running,
        actor=users["mkt_head"],
        code="2.1",
        name="宣传物料制作",
        owner_department=departments["DSN"],
        owner=users["dsn_liaison"],
        planned_start=datetime.date(2026, 2, 20),
        planned_end=datetime.date(2026, 3, 5),
    )


def test_leader_escalates_to_the_coordinator(running, users, risk_factory, late_task):
    risk = risk_factory(running, task=late_task)
    with pytest.raises(PermissionDenied):
        services.risk_escalate(risk=risk, actor=users["dsn_liaison"], note="需要支援")
    with pytest.raises(ValidationError):
        services.risk_escalate(risk=risk, actor=users["mkt_head"], note=" ")
    risk = services.risk_escalate(risk=risk, actor=users["mkt_head"], note="设计资源不足，需调配")
    assert risk.is_escalated and risk.escalated_by == users["mkt_head"]
    assert risk.history.first().history_change_reason == "上报协调人：设计资源不足，需调配"
    # The coordinator, and the initiator who watches the requirement.
    notes = Notification.objects.filter(kind="risk_escalated")
    assert {n.recipient.username for n in notes} == {"director", "mkt_staff"}
    assert all("设计资源不足" in n.message for n in notes)
    with pytest.raises(ValidationError):
        services.risk_escalate(risk=risk, actor=users["mkt_head"], note="再次")


def test_coordinator_reallocates_with_reasons_in_history(
    running, users, departments, risk_factory, late_task
):
    risk = risk_factory(running, task=late_task)
    with pytest.raises(ValidationError):  # not escalated yet
        services.risk_reallocate(
            risk=risk,
            actor=users["director"],
            task=late_task,
            owner=users["mkt_staff"],
            reason="加派人手",
        )
    risk = services.risk_escalate(risk=risk, actor=users["mkt_head"], note="设计资源不足")
    with pytest.raises(PermissionDenied):
        services.risk_reallocate(
            risk=risk,
            actor=users["mkt_head"],
            task=late_task,
            owner=users["mkt_staff"],
            reason="加派人手",
        )
    with pytest.raises(ValidationError):
        services.risk_reallocate(
            risk=risk,
            actor=users["director"],
            task=late_task,
            owner=users["mkt_staff"],
            reason="",
        )
    changes = services.risk_reallocate(
        risk=risk,
        actor=users["director"],
        task=late_task,
        owner=users["mkt_staff"],
        planned_start=datetime.date(2026, 3, 6),
        planned_end=datetime.date(2026, 3, 13),
        add_collaborators=[users["dsn_liaison"]],
        reason="设计部人手不足，改由市场部负责",
    )
    assert [c.change for c in changes] == ["owner", "dates", "people"]
    task = Task.objects.get(pk=late_task.pk)
    assert task.owner == users["mkt_staff"] and task.owner_department == departments["MKT"]
    assert (task.planned_start, task.planned_end) == (
        datetime.date(2026, 3, 6),
        datetime.date(2026, 3, 13),
    )
    assert users["dsn_liaison"] in task.collaborators.all()
    # One reallocation is one entry in the task's history, with its three changes.
    newest, before = history_entries(task)[:2]
    assert newest["reason"] == "协调人调配（001）：设计部人手不足，改由市场部负责"
    assert before["reason"] != newest["reason"]
    changed = {change["field"]: change for change in newest["changes"]}
    assert {"owner", "owner_department", "planned_start", "planned_end", "collaborators"} <= set(
        changed
    )
    assert changed["owner"]["new_display"] == users["mkt_staff"].label
    assert users["dsn_liaison"].label in changed["collaborators"]["new_display"]
    assert Reallocation.objects.filter(risk=risk).count() == 3
    assert Notification.objects.filter(kind="task_reassigned", recipient=users["mkt_staff"])


def test_reallocation_without_a_change_is_refused(running, users, risk_factory, late_task):
    risk = risk_factory(running, task=late_task)
    risk = services.risk_escalate(risk=risk, actor=users["mkt_head"], note="需要支援")
    with pytest.raises(ValidationError):
        services.risk_reallocate(
            risk=risk, actor=users["director"], task=late_task, reason="无调整"
        )
    with pytest.raises(ValidationError):
        services.risk_reallocate(
            risk=risk,
            actor=users["director"],
            task=late_task,
            owner=users["dsn_liaison"],
            reason="同一负责人",
        )
    assert not Reallocation.objects.exists()
