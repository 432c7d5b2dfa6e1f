import datetime
import zoneinfo

import pytest
import time_machine

from collab.celery import app as celery_app
from tests.factories import confirm_requirement, form_group, make_requirement

from .receiver import SECRETS, Receiver

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The demo organization hashes fifteen passwords per test; a fast hasher keeps
    these tests about alerts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def site_language():
    """Pages rendered for people who chose English activate it in this thread; the
    next test starts in the site's language again."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def eager():
    """Celery tasks run in-process when queued (the broker is not under test here)."""
    # Settings come in under the CELERY_ namespace, so the keys carry the prefix.
    conf = celery_app.conf
    old = conf.CELERY_TASK_ALWAYS_EAGER, conf.get("CELERY_TASK_EAGER_PROPAGATES", False)
    conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_EAGER_PROPAGATES = True, False
    assert conf.task_always_eager
    yield celery_app
    conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_TASK_EAGER_PROPAGATES = old


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def scan(eager, django_capture_on_commit_callbacks):
    """run_all at a local time; deliveries queued on commit run eagerly."""
    from collab.notifications.alerts import run_all

    def run(when: datetime.datetime, **kwargs):
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return run_all(**kwargs)

    return run


@pytest.fixture
def robots(org, receiver):
    """One robot of each kind for the design department (设计部)."""
    from collab.notifications.models import RobotConfig

    department = org["departments"]["DSN"]
    return {
        kind: RobotConfig.objects.create(
            name=f"设计部 {kind}",
            kind=kind,
            webhook_url=receiver.url(kind),
            secret=SECRETS.get(kind, ""),
            department=department,
        )
        for kind in ("dingtalk", "feishu", "wecom", "webhook")
    }


@pytest.fixture
def timeline(org):
    """The seed's requirement 2024-MKT-001 confirmed on 2024-07-15 with its group, and
    tasks 2.1 (设计部, 07-26..08-05) and 3.1 (销售部, 07-20..07-30) built through the
    task services; both still open, as they were on those days."""
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    with time_machine.travel(at(2024, 7, 15), tick=False):
        requirement = make_requirement(
            org,
            departments=("PRD", "SAL", "DSN", "CHA"),
            topic="2024年Q3新品上市推广",
            start_date=datetime.date(2024, 7, 15),
            end_date=datetime.date(2024, 9, 30),
        )
        confirm_requirement(org, requirement)
        form_group(org, requirement)
        leader = users["mkt_head"]
        tasks = {
            "2.1": task_create(
                requirement=requirement,
                actor=leader,
                code="2.1",
                name="宣传物料制作",
                owner_department=departments["DSN"],
                owner=users["dsn_head"],
                planned_start=datetime.date(2024, 7, 26),
                planned_end=datetime.date(2024, 8, 5),
                deliverable="海报、宣传册",
            ),
            "3.1": task_create(
                requirement=requirement,
                actor=leader,
                code="3.1",
                name="渠道对接",
                owner_department=departments["SAL"],
                owner=users["sal_liaison"],
                planned_start=datetime.date(2024, 7, 20),
                planned_end=datetime.date(2024, 7, 30),
                priority="P0",
            ),
        }
    requirement.refresh_from_db()
    forget_events()
    return {"requirement": requirement, "tasks": tasks, "users": users}


def forget_events():
    """Drop the notices of setting up (filed, confirmed, tasks assigned…): the tests
    using this start from an empty inbox and look at reminders only."""
    from collab.notifications.models import Alert, Notification

    Notification.objects.all().delete()
    Alert.objects.all().delete()
