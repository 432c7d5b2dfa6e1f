"""One open sign-off point per register that uses the sign-off component."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.urls import reverse

from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Point:
    """A sign-off point open for signatures and where each surface shows it."""

    target: Any
    stage: str
    page: str  # the page with the sign card
    sign_url: str  # the page form's action
    api: str  # the `signoffs` action of the API
    title: str  # the sign card's title
    person_slot: str  # data-slot of the slot without a department ("" when none)
    sign: Callable[..., Any]  # the register's sign service, target bound
    close: Callable[[], Any]  # the transition that ends the signing (all approved)


def _requirement_review(org) -> Point:
    from requests_app.models import REVIEW_STAGE
    from requests_app.services import requirement_confirm, requirement_sign

    requirement = make_requirement(org)
    return Point(
        target=requirement,
        stage=REVIEW_STAGE,
        page=reverse("requirements:detail", args=[requirement.pk]),
        sign_url=reverse("requirements:sign", args=[requirement.pk]),
        api=f"/api/v1/requirements/{requirement.pk}/signoffs/",
        title="评审签字",
        person_slot="coordinator",
        sign=partial(requirement_sign, requirement=requirement),
        close=partial(requirement_confirm, requirement=requirement, actor=org["users"]["director"]),
    )


def _plan_approval(org) -> Point:
    from tasks_app.models import PLAN_STAGE
    from tasks_app.plan_services import plan_approve, plan_create, plan_sign, plan_submit
    from tests.tasks_app.conftest import make_task

    requirement = make_requirement(org)
    form_group(org, requirement)
    requirement = confirm_requirement(org, requirement)
    task = make_task(org, requirement, "1")
    plan = plan_create(
        requirement=requirement,
        task=task,
        actor=org["users"]["prd_liaison"],
        title="物料方案",
        body="步骤",
    )
    plan = plan_submit(plan=plan, actor=plan.author)
    return Point(
        target=plan,
        stage=PLAN_STAGE,
        page=reverse("tasks:plan_detail", args=[plan.pk]),
        sign_url=reverse("tasks:plan_sign", args=[plan.pk]),
        api=f"/api/v1/plans/{plan.pk}/signoffs/",
        title="审批签字",
        person_slot="leader",
        sign=partial(plan_sign, plan=plan),
        close=partial(plan_approve, plan=plan, actor=org["users"]["mkt_head"]),
    )


def _acceptance(org) -> Point:
    from reviews_app.acceptance.services import (
        acceptance_accept,
        acceptance_create,
        acceptance_judge,
        acceptance_sign,
        acceptance_submit,
        criterion_add,
    )
    from reviews_app.models import ACCEPTANCE_STAGE
    from tests.reviews_app.conftest import start_with_task

    users, departments = org["users"], org["departments"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    requirement, _task = start_with_task(org, requirement)
    initiator = users["mkt_staff"]
    criterion_add(requirement=requirement, actor=initiator, text="方案包含预算明细")
    acceptance = acceptance_create(
        requirement=requirement,
        actor=initiator,
        accepted_on=datetime.date(2026, 11, 20),
        departments=[departments["MKT"], departments["SAL"]],
        quality_rating="good",
    )
    for result in acceptance.results.all():
        acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
    acceptance = acceptance_submit(acceptance=acceptance, actor=initiator)
    return Point(
        target=acceptance,
        stage=ACCEPTANCE_STAGE,
        page=reverse("reviews:acceptance", args=[requirement.pk]),
        sign_url=reverse("reviews:acceptance_sign", args=[acceptance.pk]),
        api=f"/api/v1/reviews/acceptances/{acceptance.pk}/signoffs/",
        title="验收签字",
        person_slot="",
        sign=partial(acceptance_sign, acceptance=acceptance),
        close=partial(acceptance_accept, acceptance=acceptance, actor=initiator),
    )


POINTS = {
    "requirement_review": _requirement_review,
    "plan_approval": _plan_approval,
    "acceptance": _acceptance,
}


@pytest.fixture(params=list(POINTS))
def point(request, org) -> Point:
    return POINTS[request.param](org)
