"""Input limits of the API: integer ids (paths, filters, bodies), bounded text, dates in
range, and required text that holds visible characters. Each refusal is a field error
(or 404 for a path) and changes nothing."""

import datetime
import importlib
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from rest_framework import serializers as drf
from rest_framework.test import APIClient

from collab.core.fields import BLANK_MESSAGE, TEXT_LONG, TEXT_MEDIUM, TEXT_SHORT
from collab.core.serializers import HardenedFields
from requests_app.models import Requirement
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.django_db

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo organization sets fifteen passwords per test; hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_of(user) -> APIClient:
    from collab.accounts.services import token_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)[1]}")
    return client


@pytest.fixture
def world(org):
    """A confirmed requirement with its group, one task and one meeting; API clients of
    the group leader and of the coordinator."""
    from meetings.services import meeting_create
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    leader = users["mkt_head"]
    task = task_create(
        requirement=requirement,
        actor=leader,
        code="1",
        name="活动方案设计",
        owner_department=departments["PRD"],
        owner=users["prd_liaison"],
        planned_start=datetime.date(2026, 12, 1),
        planned_end=datetime.date(2026, 12, 10),
    )
    meeting = meeting_create(
        requirement=requirement,
        actor=leader,
        kind="weekly",
        held_at=datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC),
        attendees=[leader],
    )
    return {
        "requirement": requirement,
        "task": task,
        "meeting": meeting,
        "client": client_of(leader),
        "coordinator": client_of(users["director"]),
        "users": users,
        "departments": departments,
    }


def task_body(world, **overrides):
    users, departments = world["users"], world["departments"]
    body = {
        "requirement": world["requirement"].pk,
        "code": "2",
        "name": "宣传物料制作",
        "owner_department": departments["PRD"].pk,
        "owner": users["prd_liaison"].pk,
        "collaborating_departments": [departments["SAL"].pk],
        "planned_start": "2026-12-01",
        "planned_end": "2026-12-20",
    }
    body.update(overrides)
    return body


# --- ids ------------------------------------------------------------------------------


def test_every_api_serializer_hardens_its_fields():
    """A serializer built on DRF's bases directly would skip the rules: none is."""
    importlib.import_module("collab.api_urls")
    base = Path(settings.BASE_DIR).resolve()
    project = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts
    }

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    def declared(cls) -> bool:
        # Classes written in a module; `inline_serializer` response shapes made while a
        # schema is generated are not (they describe answers, not input).
        module = sys.modules.get(cls.__module__)
        return getattr(module, cls.__name__, None) is cls

    ours = {
        cls
        for cls in subclasses(drf.Serializer)
        if cls.__module__.split(".")[0] in project and declared(cls)
    }
    assert len(ours) > 40
    assert (
        sorted(
            f"{c.__module__}.{c.__qualname__}" for c in ours if not issubclass(c, HardenedFields)
        )
        == []
    )


def test_path_ids_must_be_integers(world):
    client, task, requirement = world["client"], world["task"], world["requirement"]
    for path in (
        f"/api/v1/tasks/{task.pk}.5/",
        f"/api/v1/tasks/{task.pk}.0/",
        f"/api/v1/requirements/{requirement.pk}.5/group/",
        f"/api/v1/requirements/{requirement.pk}.5/dossier.xlsx",
        f"/api/v1/meetings/{world['meeting'].pk}.5/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.patch(f"/api/v1/tasks/{task.pk}.5/", {"name": "改名"}).status_code == 404
    task.refresh_from_db()
    assert task.name == "活动方案设计"
    assert client.get(f"/api/v1/tasks/{task.pk}/").status_code == 200


FILTERS = [
    ("/api/v1/tasks/", "requirement"),
    ("/api/v1/tasks/", "owner"),
    ("/api/v1/risks/", "requirement"),
    ("/api/v1/meetings/", "requirement"),
    ("/api/v1/documents/", "requirement"),
    ("/api/v1/reviews/criteria/", "requirement"),
    ("/api/v1/reviews/improvements/", "requirement"),
    ("/api/v1/requirements/", "coordinator"),
    ("/api/v1/auth/tokens/", "user"),
]


def test_filter_ids_must_be_integers(world):
    client = world["client"]
    for url, name in FILTERS:
        real = world["requirement"].pk if name == "requirement" else world["users"]["director"].pk
        assert client.get(url, {name: real}).status_code == 200, url
        for bad in (f"{real}.5", f"{real}.0", "1e3", "abc"):
            response = client.get(url, {name: bad})
            assert response.status_code == 400, (url, bad)
            assert name in response.json()


def test_body_ids_must_be_integers(world):
    client, users, departments = world["client"], world["users"], world["departments"]
    owner = users["prd_liaison"].pk
    for field, bad in (
        ("owner", owner + 0.5),
        ("owner", float(owner)),
        ("owner", f"{owner}.5"),
        ("owner", True),
        ("requirement", world["requirement"].pk + 0.5),
        ("collaborating_departments", [departments["SAL"].pk + 0.5]),
    ):
        response = client.post("/api/v1/tasks/", task_body(world, **{field: bad}))
        assert response.status_code == 400, (field, bad)
        assert field in response.json()
    assert client.post("/api/v1/tasks/", task_body(world, owner=str(owner))).status_code == 201

    requirement, coordinator = world["requirement"], world["coordinator"]
    response = coordinator.patch(
        f"/api/v1/requirements/{requirement.pk}/", {"coordinator": users["director"].pk + 0.5}
    )
    assert response.status_code == 400 and "coordinator" in response.json()
    response = coordinator.post(
        f"/api/v1/requirements/{requirement.pk}/group/",
        {"user": users["tec_staff"].pk + 0.5, "role": "member"},
    )
    assert response.status_code == 400 and "user" in response.json()
    requirement.refresh_from_db()
    assert requirement.coordinator == users["director"]
    assert not requirement.members.filter(user=users["tec_staff"]).exists()


# --- text lengths ---------------------------------------------------------------------


def test_requirement_text_has_a_maximum_length(world):
    director, requirement = world["coordinator"], world["requirement"]
    url = f"/api/v1/requirements/{requirement.pk}/"
    for field, limit in (
        ("goal", TEXT_MEDIUM),
        ("remarks", TEXT_SHORT),
        ("expected_outcomes", TEXT_MEDIUM),
        ("topic", 200),
    ):
        response = director.patch(url, {field: "长" * (limit + 1)})
        assert response.status_code == 400, field
        assert str(limit) in response.json()[field][0]
        assert director.patch(url, {field: "长" * limit}).status_code == 200, field
        requirement.refresh_from_db()
        assert len(getattr(requirement, field)) == limit


def test_meeting_minutes_and_task_names_have_maximum_lengths(world):
    client, meeting = world["client"], world["meeting"]
    url = f"/api/v1/meetings/{meeting.pk}/"
    response = client.patch(url, {"minutes": "纪" * (TEXT_LONG + 1)})
    assert response.status_code == 400 and "minutes" in response.json()
    assert client.patch(url, {"minutes": "纪" * TEXT_LONG}).status_code == 200
    response = client.post("/api/v1/tasks/", task_body(world, name="名" * 201))
    assert response.status_code == 400 and "name" in response.json()
    response = client.post(
        f"/api/v1/tasks/{world['task'].pk}/block/", {"reason": "因" * (TEXT_SHORT + 1)}
    )
    assert response.status_code == 400 and "reason" in response.json()


# --- dates ----------------------------------------------------------------------------


def test_dates_out_of_range_are_field_errors(world):
    for value in ("0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"):
        refuse_date(world, value)
    requirement, task = world["requirement"], world["task"]
    requirement.refresh_from_db()
    task.refresh_from_db()
    assert requirement.start_date == datetime.date(2026, 12, 1)
    assert task.planned_start == datetime.date(2026, 12, 1)


def refuse_date(world, value):
    client, requirement, task = world["client"], world["requirement"], world["task"]
    response = world["coordinator"].patch(
        f"/api/v1/requirements/{requirement.pk}/", {"start_date": value}
    )
    assert response.status_code == 400
    assert "2000-01-01" in response.json()["start_date"][0]
    response = client.post("/api/v1/tasks/", task_body(world, planned_end=value))
    assert response.status_code == 400 and "planned_end" in response.json()
    response = client.patch(f"/api/v1/tasks/{task.pk}/", {"planned_start": value})
    assert response.status_code == 400 and "planned_start" in response.json()
    response = client.patch(
        f"/api/v1/meetings/{world['meeting'].pk}/", {"held_at": f"{value}T10:00:00+08:00"}
    )
    assert response.status_code == 400 and "held_at" in response.json()


def test_dates_at_the_edges_of_the_range_are_accepted(world):
    url = f"/api/v1/requirements/{world['requirement'].pk}/"
    response = world["coordinator"].patch(
        url, {"start_date": "2000-01-01", "end_date": "2100-12-31"}
    )
    assert response.status_code == 200, response.json()


# --- blank after normalisation ----------------------------------------------------------


def test_required_text_of_only_invisible_characters_is_blank(world):
    for blank in (INVISIBLE, " \u200b\t\u3000", "\ufeff"):
        refuse_blank(world, blank)
    requirement = world["requirement"]
    requirement.refresh_from_db()
    assert requirement.topic == "新品上市推广"
    assert not requirement.acceptance_criteria.exists()


def refuse_blank(world, blank):
    client, requirement = world["client"], world["requirement"]
    coordinator = world["coordinator"]
    response = coordinator.patch(f"/api/v1/requirements/{requirement.pk}/", {"topic": blank})
    assert response.status_code == 400
    assert response.json()["topic"] == [str(BLANK_MESSAGE)]
    response = client.post("/api/v1/tasks/", task_body(world, name=blank))
    assert response.status_code == 400 and "name" in response.json()
    response = client.post(
        f"/api/v1/meetings/{world['meeting'].pk}/action-items/",
        {"text": blank, "owner": world["users"]["prd_liaison"].pk, "due_date": "2026-12-20"},
    )
    assert response.status_code == 400 and "text" in response.json()
    response = coordinator.post(f"/api/v1/requirements/{requirement.pk}/reject/", {"reason": blank})
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(
        "/api/v1/reviews/criteria/", {"requirement": requirement.pk, "text": blank}
    )
    assert response.status_code == 400 and "text" in response.json()


def test_text_is_normalised_at_its_edges(world):
    requirement = world["requirement"]
    response = world["coordinator"].patch(
        f"/api/v1/requirements/{requirement.pk}/",
        {"topic": "\u200b 新品\u200b推广 \ufeff", "remarks": "\u2060\u200d"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["topic"] == "新品\u200b推广"  # inside the text it stays
    requirement = Requirement.objects.get(pk=requirement.pk)
    assert (requirement.topic, requirement.remarks) == ("新品\u200b推广", "")
