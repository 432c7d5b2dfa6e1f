import datetime

from requests_app.models import RequirementStatus
from tasks_app.models import PlanStatus, Task, TaskStatus
from tasks_app.selectors import with_delay


def test_seed_tasks_have_the_seed_values(tasks_seed):
    requirement = tasks_seed["requirement"]
    assert requirement.status == RequirementStatus.IN_PROGRESS
    rows = {t.code: t for t in with_delay(Task.objects.filter(requirement=requirement))}
    assert sorted(rows) == ["1.1", "1.2", "2.1", "3.1"]
    one = rows["1.1"]
    assert (one.name, one.owner_department.code, one.priority) == ("活动方案设计", "MKT", "P0")
    assert [d.code for d in one.collaborating_departments.all()] == ["PRD"]
    assert (one.planned_start, one.planned_end) == (
        datetime.date(2024, 7, 15),
        datetime.date(2024, 7, 25),
    )
    assert one.actual_end == datetime.date(2024, 7, 24)
    assert one.deliverable == "《推广活动方案V1.0》"
    assert rows["1.2"].actual_end == datetime.date(2024, 7, 20)
    assert rows["3.1"].actual_end == datetime.date(2024, 7, 31)
    assert [d.code for d in rows["3.1"].collaborating_departments.all()] == ["CHA"]
    assert rows["3.1"].status == TaskStatus.DONE
    assert rows["3.1"].delay_days == 1
    assert rows["1.1"].delay_days == 0 and rows["1.2"].delay_days == 0
    blocked = rows["2.1"]
    assert blocked.status == TaskStatus.BLOCKED
    assert blocked.is_overdue is True
    assert blocked.actual_end is None
    assert blocked.delay_days > 0
    assert blocked.deliverable == "海报、宣传册(待修改)"
    assert blocked.updates.filter(note="物料设计完成80%,预计7月25日交付").exists()
    assert [d.code for d in blocked.depends_on.all()] == ["1.1"]
    assert requirement.plans.get().status == PlanStatus.APPROVED


def test_demo_is_idempotent(seed):
    from importlib import import_module

    from django.apps import apps

    counts = (Task.objects.count(), Task.history.count())
    context: dict = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        module.load(context)
    assert (Task.objects.count(), Task.history.count()) == counts
