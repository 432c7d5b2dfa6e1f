"""The to-do list of the workbench and the inbox notices linked to it: every kind of
sign-off (review, plan, acceptance), owned tasks, risks and action items, overdue
first; both pages keep a constant number of queries for 5 and 50 rows of each kind."""

import datetime

import pytest

from collab.notifications.models import Notification
from requests_app.models import Requirement
from tests.factories import confirm_requirement, form_group, make_requirement

from .conftest import at

pytestmark = pytest.mark.django_db

D = datetime.date


def bulk_todos(org, rows: int):
    """`rows` of each kind of to-do for the head of sales (销售部负责人), written in bulk,
    each with the inbox notice that asked for it."""
    from meetings.models import ActionItem, Meeting
    from reviews_app.models import Acceptance
    from risks_app.models import Risk
    from tasks_app.models import Plan, Task, wbs_sort_key

    users, departments = org["users"], org["departments"]
    head, sales = users["sal_head"], departments["SAL"]
    running = make_requirement(org)
    form_group(org, running)
    confirm_requirement(org, running)
    Requirement.objects.filter(pk=running.pk).update(status="in_progress")
    common = {
        "initiating_department": departments["MKT"],
        "contact": users["mkt_staff"],
        "goal": "目标",
        "start_date": D(2026, 12, 1),
        "end_date": D(2026, 12, 31),
        "coordinator": users["director"],
    }
    reviews = Requirement.objects.bulk_create(
        Requirement(number=f"2026-MKT-R{i:03d}", topic=f"评审{i}", **common) for i in range(rows)
    )
    accepting = Requirement.objects.bulk_create(
        Requirement(number=f"2026-MKT-A{i:03d}", topic=f"验收{i}", status="in_progress", **common)
        for i in range(rows)
    )
    Requirement.departments.through.objects.bulk_create(
        Requirement.departments.through(requirement=r, department=sales)
        for r in reviews + accepting
    )
    acceptances = Acceptance.objects.bulk_create(
        Acceptance(requirement=r, accepted_on=D(2026, 12, 1), status="signing", created_by=head)
        for r in accepting
    )
    Acceptance.departments.through.objects.bulk_create(
        Acceptance.departments.through(acceptance=a, department=sales) for a in acceptances
    )
    tasks = Task.objects.bulk_create(
        Task(
            requirement=running,
            code=str(i + 1),
            code_sort=wbs_sort_key(str(i + 1)),
            name=f"任务{i}",
            owner_department=sales,
            owner=head,
            planned_start=D(2026, 12, 1),
            planned_end=D(2026, 12, 1) + datetime.timedelta(days=i),
        )
        for i in range(rows)
    )
    plans = Plan.objects.bulk_create(
        Plan(
            requirement=running,
            task=t,
            title=f"方案{t.code}",
            body="步骤",
            author=head,
            status="in_review",
        )
        for t in tasks
    )
    risks = Risk.objects.bulk_create(
        Risk(
            requirement=running,
            code=f"{i + 1:03d}",
            description=f"风险{i}",
            owner_department=sales,
            owner=head,
            occurred_on=D(2026, 12, 1),
            planned_resolution=D(2026, 12, 20),
            created_by=head,
        )
        for i in range(rows)
    )
    meeting = Meeting.objects.create(
        requirement=running,
        kind="weekly",
        organizer=users["mkt_head"],
        held_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )
    items = ActionItem.objects.bulk_create(
        ActionItem(meeting=meeting, text=f"待办{i}", owner=head, due_date=D(2026, 12, 15))
        for i in range(rows)
    )
    actions = (
        [f"sign:requirement_review:{r.pk}:1" for r in reviews]
        + [f"sign:acceptance:{a.pk}:1" for a in acceptances]
        + [f"sign:plan_approval:{p.pk}:1" for p in plans]
        + [f"task:{t.pk}" for t in tasks]
        + [f"risk:{r.pk}" for r in risks]
        + [f"actionitem:{i.pk}" for i in items]
    )
    Notification.objects.bulk_create(
        Notification(recipient=head, kind="task_assigned", message="m", action=action)
        for action in actions
    )
    return head, set(actions)


@pytest.mark.parametrize("rows", [5, 50])
def test_workbench_lists_every_kind_and_keeps_its_queries(
    org, client, rows, django_assert_num_queries
):
    head, actions = bulk_todos(org, rows)
    client.force_login(head)
    client.get("/")  # content types cached, as in a running process
    with django_assert_num_queries(31):
        response = client.get("/")
    todos = response.context["todos"]
    assert {t.action for t in todos} == actions
    kinds = {t.kind for t in todos}
    assert kinds == {
        "review_signoff",
        "acceptance_signoff",
        "plan_signoff",
        "task",
        "risk",
        "action_item",
    }
    assert {t.kind for t in response.context["signoffs"]} == {
        "review_signoff",
        "acceptance_signoff",
        "plan_signoff",
    }
    dated = [t for t in todos if t.due is not None]
    overdue = [t for t in dated if t.overdue]
    # Overdue first (most overdue first), then by due date, undated last.
    assert todos[: len(overdue)] == overdue
    assert [t.due for t in dated] == sorted(t.due for t in overdue) + sorted(
        t.due for t in dated if not t.overdue
    )
    assert todos[-1].due is None


@pytest.mark.parametrize("rows", [5, 50])
def test_inbox_marks_notices_of_done_things_and_keeps_its_queries(
    org, client, rows, django_assert_num_queries
):
    from meetings.models import ActionItem

    head, actions = bulk_todos(org, rows)
    item = ActionItem.objects.filter(owner=head).order_by("-pk").first()
    ActionItem.objects.filter(pk=item.pk).update(status="done")
    client.force_login(head)
    client.get("/notifications/")  # content types cached, as in a running process
    # session, user, page count and rows with alerts, header count and departments, and
    # the to-do sources (a fixed number of queries each)
    with django_assert_num_queries(23):
        response = client.get("/notifications/")
    page = list(response.context["page_obj"])
    assert len(page) == 30 and all(n.action in actions for n in page)
    assert [n.action for n in page if n.is_done] == [f"actionitem:{item.pk}"]
    html = response.content.decode()
    assert html.count('data-done="0"') == 29 and html.count('data-done="1"') == 1


def test_acceptance_sign_requests_are_on_the_workbench_and_clear_when_signed(org, client, scan):
    from collab.signoffs.services import signoff_state
    from reviews_app.acceptance.services import acceptance_sign
    from reviews_app.models import ACCEPTANCE_STAGE
    from tests.reviews_app.conftest import start_with_task

    users = org["users"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    requirement, _task = start_with_task(org, requirement)
    from reviews_app.acceptance.services import (
        acceptance_create,
        acceptance_judge,
        acceptance_submit,
        criterion_add,
    )

    initiator = users["mkt_staff"]
    criterion_add(requirement=requirement, actor=initiator, text="方案完整")
    acceptance = acceptance_create(
        requirement=requirement,
        actor=initiator,
        accepted_on=D(2026, 12, 10),
        departments=[org["departments"]["PRD"], org["departments"]["SAL"]],
        quality_rating="good",
    )
    for result in acceptance.results.all():
        acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
    acceptance = acceptance_submit(acceptance=acceptance, actor=initiator)
    signers = {slot.signers[0].username for slot in signoff_state(acceptance, ACCEPTANCE_STAGE)}
    assert signers == {"mkt_head", "prd_head", "sal_head"}
    for username in signers:
        client.force_login(users[username])
        signoffs = client.get("/").context["signoffs"]
        assert [s.kind for s in signoffs] == ["acceptance_signoff"], username
    notice = Notification.objects.get(recipient=users["sal_head"], kind="acceptance_signoff")
    scan(at(2026, 12, 20, 10), only=["daily_digest"])
    digest = Notification.objects.get(recipient=users["prd_head"], kind="daily_digest")
    assert f"待签字：需求 {requirement.number}「{requirement.topic}」成果验收" in digest.text
    acceptance_sign(
        acceptance=acceptance,
        actor=users["sal_head"],
        decision="approve",
        department=org["departments"]["SAL"],
    )
    client.force_login(users["sal_head"])
    assert client.get("/").context["signoffs"] == []
    inbox = client.get("/notifications/").content.decode()
    assert f'data-action="{notice.action}" data-done="1"' in inbox
