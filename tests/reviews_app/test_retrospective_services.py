"""The retrospective through the services: report, improvement actions, confirmation
and read receipts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collab.core.transitions import TransitionBlocked
from collab.notifications.models import Notification
from reviews_app.models import ActionStatus, RetrospectiveStatus
from reviews_app.retrospective import services

from .conftest import run_acceptance

D = datetime.date


@pytest.fixture
def retrospective(org, running):
    return run_acceptance(org, running).retrospective


def _fill(org, retrospective):
    leader = org["users"]["mkt_head"]
    services.retrospective_update(
        retrospective=retrospective,
        actor=leader,
        data={"held_on": D(2026, 11, 25), "reviewer": org["users"]["mkt_staff"]},
    )
    services.metric_add(
        retrospective=retrospective,
        actor=leader,
        data={"name": "销售额", "unit": "万元", "target": "500", "actual": "520"},
    )
    services.finding_add(retrospective=retrospective, actor=leader, kind="problem", text="延迟")
    return services.improvement_add(
        retrospective=retrospective,
        actor=leader,
        data={
            "action": "建立数据日报机制",
            "owner": org["users"]["tec_staff"],
            "due_date": D(2026, 12, 31),
        },
    )


def test_metric_input_is_validated(org, retrospective):
    leader = org["users"]["mkt_head"]
    for data, field in [
        ({"name": "x", "target": "0", "actual": "1"}, "target"),
        ({"name": "x", "target": "abc", "actual": "1"}, "target"),
        ({"name": "x", "target": "1", "actual": "-1"}, "actual"),
        ({"name": "x", "target": "1", "actual": "0.00001"}, "actual"),
        ({"name": "", "target": "1", "actual": "1"}, "name"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.metric_add(retrospective=retrospective, actor=leader, data=data)
        assert field in error.value.message_dict
    assert not retrospective.metrics.exists()


def test_retrospective_held_not_before_acceptance(org, retrospective):
    with pytest.raises(ValidationError):
        services.retrospective_update(
            retrospective=retrospective,
            actor=org["users"]["mkt_head"],
            data={"held_on": D(2026, 11, 1)},
        )


def test_improvement_owner_belongs_to_the_department(org, retrospective):
    with pytest.raises(ValidationError) as error:
        services.improvement_add(
            retrospective=retrospective,
            actor=org["users"]["mkt_head"],
            data={
                "action": "x",
                "owner": org["users"]["tec_staff"],
                "owner_department": org["departments"]["DSN"],
                "due_date": D(2026, 12, 1),
            },
        )
    assert "owner" in error.value.message_dict


def test_leader_confirms_and_every_department_head_is_notified(org, retrospective):
    users = org["users"]
    with pytest.raises(TransitionBlocked) as blocked:
        services.retrospective_confirm(retrospective=retrospective, actor=users["mkt_head"])
    assert "复盘会日期" in str(blocked.value)
    _fill(org, retrospective)
    with pytest.raises(PermissionDenied):
        services.retrospective_confirm(retrospective=retrospective, actor=users["director"])
    retrospective = services.retrospective_confirm(
        retrospective=retrospective, actor=users["mkt_head"]
    )
    assert retrospective.status == RetrospectiveStatus.CONFIRMED
    notified = set(
        Notification.objects.filter(kind="retrospective_shared").values_list(
            "recipient__username", flat=True
        )
    )
    # Every department head but the leader who confirmed it, and the initiator (watching).
    assert notified == {"prd_head", "sal_head", "dsn_head", "tec_head", "ops_head", "mkt_staff"}
    with pytest.raises(ValidationError, match="已确认"):
        services.metric_add(
            retrospective=retrospective,
            actor=users["mkt_head"],
            data={"name": "x", "target": 1, "actual": 1},
        )
    # Read receipts: the first read marks the notice read.
    assert services.retrospective_mark_read(retrospective=retrospective, user=users["tec_head"])
    assert not services.retrospective_mark_read(retrospective=retrospective, user=users["tec_head"])
    notice = Notification.objects.get(kind="retrospective_shared", recipient=users["tec_head"])
    assert notice.read_at is not None
    from reviews_app.retrospective.selectors import read_receipts

    receipts = {r["user"].username: r["read_at"] for r in read_receipts(retrospective)}
    assert receipts["tec_head"] is not None and receipts["ops_head"] is None


def test_improvement_actions_are_tracked_to_done(org, retrospective):
    users = org["users"]
    action = _fill(org, retrospective)
    with pytest.raises(PermissionDenied):
        services.improvement_start(improvement=action, actor=users["ops_staff"])
    action = services.improvement_start(improvement=action, actor=users["tec_staff"])
    assert action.status == ActionStatus.IN_PROGRESS
    with pytest.raises(ValidationError):
        services.improvement_finish(
            improvement=action, actor=users["tec_head"], done_on=D(2099, 1, 1)
        )
    action = services.improvement_finish(
        improvement=action, actor=users["tec_head"], result="日报已上线"
    )
    assert action.status == ActionStatus.DONE and action.done_on is not None
    with pytest.raises(ValidationError):
        services.improvement_reopen(improvement=action, actor=users["mkt_head"], reason="")
    action = services.improvement_reopen(
        improvement=action, actor=users["mkt_head"], reason="日报中断"
    )
    assert (action.status, action.done_on) == (ActionStatus.IN_PROGRESS, None)
    assert action.history.count() == 4
