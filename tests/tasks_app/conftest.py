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
