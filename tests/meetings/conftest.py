import datetime

import pytest

from requests_app.models import Requirement
from tests.factories import confirm_requirement, form_group, make_requirement


def start_running(org, **overrides):
    """A requirement in execution (MKT; PRD, SAL, DSN, CHA) with its group formed:
    leader mkt_head, liaisons prd_liaison, sal_liaison, dsn_liaison, cha_contact."""
    requirement = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN", "CHA"),
        start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 12, 31),
        **overrides,
    )
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    # Starting needs approved plans (task register rules); these tests are about what
    # happens during execution, so the status is set directly (no history wanted).
    Requirement.objects.filter(pk=requirement.pk).update(status="in_progress")
    requirement.refresh_from_db()
    return requirement


@pytest.fixture
def running(org):
    return start_running(org)


@pytest.fixture
def users(org):
    return org["users"]


@pytest.fixture
def departments(org):
    return org["departments"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


NOW = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def clock():
    """Tuesday 2026-03-10 10:00 in Shanghai; tests move it with clock.move_to(...)."""
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
