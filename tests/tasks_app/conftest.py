import pytest

from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture
def confirmed(org):
    """A confirmed requirement (MKT; PRD, SAL, CHA) with its group formed."""
    requirement = make_requirement(org)
    form_group(org, requirement)
    return confirm_requirement(org, requirement)


@pytest.fixture
def tasks_seed(db):
    """The demo data up to the task register: later apps (risks, reviews) go on to
    resolve task 2.1 and complete the requirement, which these tests must not see."""
    from importlib import import_module

    from django.apps import apps

    context: dict = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        module.load(context)
        if config.name == "tasks_app":
            break
    return context


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Demo users get passwords; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_task(org, requirement, code="1", *, actor=None, owner="prd_liaison", **overrides):
    import datetime

    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    owner_user = users[owner] if isinstance(owner, str) else owner
    data = {
        "code": code,
        "name": f"任务{code}",
        "owner_department": owner_user.department,
        "owner": owner_user,
        "planned_start": datetime.date(2026, 12, 1),
        "planned_end": datetime.date(2026, 12, 10),
        "priority": "P1",
        "deliverable": "交付物",
        "collaborating_departments": [departments["SAL"]],
        "collaborators": [users["sal_liaison"]],
    }
    data.update(overrides)
    return task_create(requirement=requirement, actor=actor or users["mkt_head"], **data)


@pytest.fixture
def running(org, confirmed):
    """The confirmed requirement with two tasks (2 depends on 1), started."""
    from requests_app.services import requirement_start

    first = make_task(org, confirmed, "1")
    second = make_task(org, confirmed, "2", owner="sal_liaison", depends_on=[first])
    requirement = requirement_start(requirement=confirmed, actor=org["users"]["mkt_head"])
    return {"requirement": requirement, "first": first, "second": second}
