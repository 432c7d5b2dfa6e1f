"""delay_days and is_overdue are computed in the database, on SQLite and PostgreSQL."""

import datetime

import pytest
import time_machine

from tasks_app import services
from tasks_app.models import Task
from tasks_app.selectors import with_delay
from tests.conftest import require_postgres

from .conftest import make_task

D = datetime.date
NOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC)  # 2026-12-20 in Shanghai


def _scenario(org, running):
    users = org["users"]
    requirement = running["requirement"]
    owner = users["prd_liaison"]
    late_done = services.task_start(task=running["first"], actor=owner)
    services.task_finish(task=late_done, actor=owner, actual_end=D(2026, 12, 13))  # end 12-10
    early = make_task(org, requirement, "3", planned_end=D(2026, 12, 15))
    early = services.task_start(task=early, actor=owner)
    services.task_finish(task=early, actor=owner, actual_end=D(2026, 12, 12))
    make_task(org, requirement, "4", planned_end=D(2026, 12, 18))
    blocked = make_task(org, requirement, "5", planned_end=D(2026, 12, 1))
    blocked = services.task_start(task=blocked, actor=owner)
    services.task_block(task=blocked, actor=owner, reason="等待")
    make_task(org, requirement, "6", planned_end=D(2026, 12, 20))  # due today: not late
    cancelled = make_task(org, requirement, "7", planned_end=D(2026, 12, 2))
    services.task_cancel(task=cancelled, actor=users["mkt_head"], reason="取消")


def _check(org, running):
    with time_machine.travel(NOW, tick=False):
        _scenario(org, running)
        rows = with_delay(Task.objects.filter(requirement=running["requirement"]))
        figures = {t.code: (t.delay_days, t.is_overdue) for t in rows}
        assert figures == {
            "1": (3, False),  # finished 3 days late
            "2": (10, True),  # not started, planned end 12-10
            "3": (0, False),  # finished early: never negative
            "4": (2, True),  # open, 2 days past its planned end
            "5": (19, True),  # blocked and late
            "6": (0, False),  # due today
            "7": (0, False),  # cancelled tasks are never late
        }
        assert list(
            rows.filter(is_overdue=True).order_by("code_sort").values_list("code", flat=True)
        ) == [
            "2",
            "4",
            "5",
        ]
        by_delay = list(rows.order_by("-delay_days", "code_sort").values_list("code", flat=True))
        assert by_delay[:4] == ["5", "2", "1", "4"]
        assert rows.filter(delay_days__gt=2).count() == 3


def test_delay_annotations(org, running):
    _check(org, running)


@pytest.mark.django_db
def test_delay_annotations_on_postgres(org, running):
    require_postgres()
    _check(org, running)
