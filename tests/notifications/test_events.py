"""Events on the one path: channels (inbox at once, e-mail in the recipient's language,
group robots for group events, the requirement's webhooks for every event), watching,
mentions, the improvement reminder, and the language stored on the account."""

import datetime

import pytest
from django.core import mail

from collab.notifications.models import Channel, Delivery, Notification, RobotConfig, Watch
from collab.notifications.services import delivery_send
from tests.factories import confirm_requirement, form_group, make_requirement

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def requirement(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    return confirm_requirement(org, requirement)


def start(org, requirement):
    """Start the requirement (it needs a task)."""
    from requests_app.services import requirement_start
    from tasks_app.services import task_create

    task_create(
        requirement=requirement,
        actor=org["users"]["mkt_head"],
        name="方案",
        owner_department=org["departments"]["PRD"],
        owner=org["users"]["prd_liaison"],
        planned_start=datetime.date(2026, 12, 1),
        planned_end=datetime.date(2026, 12, 9),
    )
    return requirement_start(requirement=requirement, actor=org["users"]["mkt_head"])


def requirement_robots(org, requirement):
    from django.contrib.contenttypes.models import ContentType

    scope = {
        "scope_type": ContentType.objects.get_for_model(requirement),
        "scope_id": requirement.pk,
    }
    return {
        "chat": RobotConfig.objects.create(
            name="需求群", kind="dingtalk", webhook_url="http://127.0.0.1:9/", **scope
        ),
        "hook": RobotConfig.objects.create(
            name="集成", kind="webhook", webhook_url="http://127.0.0.1:9/", secret="s", **scope
        ),
        "sales": RobotConfig.objects.create(
            name="销售部群",
            kind="wecom",
            webhook_url="http://127.0.0.1:9/",
            department=org["departments"]["SAL"],
        ),
    }


def test_group_events_reach_the_chats_and_every_event_the_webhooks(org, requirement):
    from requests_app.services import requirement_start
    from tasks_app.services import task_create

    robots = requirement_robots(org, requirement)
    users = org["users"]
    task = task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        name="渠道对接",
        owner_department=org["departments"]["SAL"],
        owner=users["sal_liaison"],
        planned_start=datetime.date(2026, 12, 1),
        planned_end=datetime.date(2026, 12, 9),
    )
    assigned = Delivery.objects.filter(alert__kind="task_assigned", alert__object_id=task.pk)
    # A personal event: the owner's inbox (written at once) and e-mail, the webhook only.
    assert {(d.channel, d.recipient_id, d.robot_id) for d in assigned} == {
        ("inbox", users["sal_liaison"].pk, None),
        ("inbox", users["mkt_staff"].pk, None),  # the initiator watches
        ("webhook", None, robots["hook"].pk),
    }
    assert {d.status for d in assigned if d.channel == "inbox"} == {"sent"}
    assert (
        Notification.objects.filter(alert__kind="task_assigned", action=f"task:{task.pk}").count()
        == 1
    )

    requirement_start(requirement=requirement, actor=users["mkt_head"])
    started = Delivery.objects.filter(alert__kind="requirement_started", robot__isnull=False)
    # A group event: the requirement's chat, the departments' chats of the recipients.
    assert {d.robot_id for d in started} == {r.pk for r in robots.values()}


def test_email_is_written_in_the_recipients_language(org, requirement, mailoutbox):
    users = org["users"]
    users["sal_liaison"].email, users["prd_liaison"].email = "sal@example.com", "prd@example.com"
    users["sal_liaison"].language = "en"
    for user in (users["sal_liaison"], users["prd_liaison"]):
        user.save(update_fields=["email", "language"])
    start(org, requirement)
    emails = Delivery.objects.filter(channel=Channel.EMAIL, alert__kind="requirement_started")
    for delivery in emails:
        assert delivery_send(delivery_id=delivery.pk) == "sent"
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["sal@example.com"].subject == "[Collab] Requirement started"
    assert "has started" in by_address["sal@example.com"].body
    assert by_address["prd@example.com"].subject == "[Collab] 需求开始执行"
    assert "开始执行" in by_address["prd@example.com"].body


def test_watching_from_the_page_and_the_api(org, requirement, client, api):
    users = org["users"]
    outsider, head = users["dsn_head"], users["prd_head"]  # DSN is not involved
    assert set(Watch.objects.values_list("user__username", flat=True)) == {"mkt_staff", "mkt_head"}

    client.force_login(head)
    page = client.get(f"/requirements/{requirement.pk}/").content.decode()
    assert 'id="watch-button" data-watching="0"' in page
    client.post(f"/requirements/{requirement.pk}/watch/", {"watch": "1"})
    assert 'data-watching="1"' in client.get(f"/requirements/{requirement.pk}/").content.decode()

    rest = api.as_user(users["mkt_staff"])
    assert rest.delete(f"/api/v1/requirements/{requirement.pk}/watch/").status_code == 204
    assert (
        api.as_user(outsider).post(f"/api/v1/requirements/{requirement.pk}/watch/").status_code
        == 404
    )
    client.force_login(outsider)
    assert client.post(f"/requirements/{requirement.pk}/watch/").status_code == 404

    start(org, requirement)
    told = set(
        Notification.objects.filter(kind="requirement_started").values_list(
            "recipient__username", flat=True
        )
    )
    # The initiator stopped watching but is still told as the initiator; the head who
    # started watching is told; the outsider never.
    assert "prd_head" in told and "mkt_staff" in told and "dsn_head" not in told
    assert Watch.objects.filter(user=users["mkt_staff"]).count() == 0


def test_mentions_tell_only_people_who_may_see_the_requirement(org, requirement):
    from tasks_app.services import task_create, task_post_update

    users = org["users"]
    task = task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        name="物料",
        owner_department=org["departments"]["PRD"],
        owner=users["prd_liaison"],
        planned_start=datetime.date(2026, 12, 1),
        planned_end=datetime.date(2026, 12, 9),
    )
    task_post_update(
        task=task,
        actor=users["prd_liaison"],
        note="@sal_head，@设计部负责人 和 @nobody 请看；邮件 a@b 不是提及",
        kind="comment",
    )
    mentioned = Notification.objects.filter(kind="user_mentioned")
    assert [n.recipient.username for n in mentioned] == ["sal_head"]
    assert mentioned[0].target == f"/tasks/{task.pk}/"
    assert f"{org['users']['prd_liaison'].label} 在任务 1「物料」中提到了您" in mentioned[0].text


def test_an_improvement_action_due_tomorrow_reminds_its_owner_once(org, scan):
    from reviews_app.models import ImprovementAction
    from tests.reviews_app.conftest import run_acceptance, start_with_task

    users = org["users"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    requirement, _task = start_with_task(org, requirement)
    retrospective = run_acceptance(org, requirement).retrospective
    ImprovementAction.objects.create(
        retrospective=retrospective,
        action="建立报价模板",
        owner=users["tec_staff"],
        owner_department=users["tec_staff"].department,
        due_date=datetime.date(2026, 12, 16),
    )
    scan(at(2026, 12, 14, 10), only=["improvement_due"])
    assert not Notification.objects.filter(kind="improvement_due").exists()
    scan(at(2026, 12, 15, 10), only=["improvement_due"])
    scan(at(2026, 12, 16, 10), only=["improvement_due"])
    reminders = Notification.objects.filter(kind="improvement_due")
    assert [n.recipient.username for n in reminders] == ["tec_staff"]
    assert reminders[0].action.startswith("improvement:")


def test_the_language_picked_is_stored_and_used_for_every_page(org, client):
    user = org["users"]["sal_head"]
    client.force_login(user)
    assert "工作台" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    client.post("/language/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    # Another browser asking for Chinese still gets the person's language.
    other = type(client)()
    other.force_login(user)
    page = other.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Dashboard" in page and "工作台" not in page
    bad = client.post("/language/", {"language": "xx", "next": "/"})
    assert bad.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    # Without a choice the browser decides.
    other.force_login(org["users"]["prd_head"])
    assert "Dashboard" in other.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_message_asking_for_a_to_do_closed_meanwhile_is_not_sent(org, requirement, mailoutbox):
    """E-mail waiting to go out (a retry, a rate limit) that asks its recipient for a
    to-do already done is withdrawn; one whose to-do is still open goes out."""
    from tasks_app.models import Task, TaskStatus
    from tasks_app.services import task_create

    users = org["users"]
    for name in ("prd_liaison", "sal_liaison"):
        users[name].email = f"{name}@example.com"
        users[name].save(update_fields=["email"])

    def assign(owner, department, name):
        task = task_create(
            requirement=requirement,
            actor=users["mkt_head"],
            name=name,
            owner_department=org["departments"][department],
            owner=users[owner],
            planned_start=datetime.date(2026, 12, 1),
            planned_end=datetime.date(2026, 12, 9),
        )
        email = Delivery.objects.get(
            alert__kind="task_assigned", alert__object_id=task.pk, channel=Channel.EMAIL
        )
        assert email.alert.action == f"task:{task.pk}"
        return task, email

    done, withdrawn = assign("prd_liaison", "PRD", "方案")
    _open, sent = assign("sal_liaison", "SAL", "渠道对接")
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.CANCELLED)

    assert delivery_send(delivery_id=withdrawn.pk) == "withdrawn"
    assert delivery_send(delivery_id=sent.pk) == "sent"
    assert [message.to for message in mail.outbox] == [["sal_liaison@example.com"]]
    withdrawn.refresh_from_db()
    assert withdrawn.status == "withdrawn" and withdrawn.attempts == 0
    assert withdrawn.last_error == "待办已完成，消息不再发送"
    # A final state: a duplicate or the sweep never sends it.
    assert delivery_send(delivery_id=withdrawn.pk) == "already handled"
