"""Who sees a requirement: rules.can_view and the queryset selector agree, user by user."""

import pytest

from requests_app import rules
from requests_app.selectors import requirements_visible_to
from requests_app.services import group_add_member
from tests.factories import UserFactory, make_requirement

pytestmark = pytest.mark.django_db

# make_requirement: filed by mkt_staff (MKT), involving PRD, SAL and the partner CHA.
EXPECTED = {
    "director": True,  # the coordinator
    "admin": True,  # staff
    "mkt_staff": True,  # the initiator
    "mkt_head": True,  # head of the initiating department
    "prd_head": True,  # head of an involved department
    "sal_head": True,
    "dsn_head": False,  # head of a department that is not involved
    "tec_staff": False,
    "prd_liaison": False,  # not (yet) a group member
    "cha_contact": False,  # partner (and head of CHA): only as a group member
}


def visible(user, requirement) -> tuple[bool, bool]:
    in_queryset = requirements_visible_to(user).filter(pk=requirement.pk).exists()
    return bool(rules.can_view(user, requirement)), in_queryset


@pytest.mark.parametrize(("username", "expected"), EXPECTED.items())
def test_visibility_matrix(org, username, expected):
    requirement = make_requirement(org)
    make_requirement(
        org,
        actor=org["users"]["tec_head"],
        initiating_department=org["departments"]["TEC"],
        departments=("OPS",),
    )
    assert visible(org["users"][username], requirement) == (expected, expected)


@pytest.mark.parametrize("username", ["prd_liaison", "cha_contact", "tec_staff"])
def test_group_members_see_it(org, username):
    requirement = make_requirement(org)
    user = org["users"][username]
    role = "liaison" if username != "tec_staff" else "member"
    if username == "tec_staff":
        requirement.departments.add(org["departments"]["TEC"])
    group_add_member(requirement=requirement, actor=org["users"]["director"], user=user, role=role)
    requirement.refresh_from_db()
    assert visible(user, requirement) == (True, True)


def test_partner_sees_only_requirements_they_are_members_of(org):
    partner = org["users"]["cha_contact"]
    joined = make_requirement(org)
    other = make_requirement(org)  # CHA involved there too, but not a member
    group_add_member(
        requirement=joined, actor=org["users"]["director"], user=partner, role="liaison"
    )
    assert list(requirements_visible_to(partner)) == [joined]
    assert not rules.can_view(partner, other)


def test_inactive_and_anonymous_users_see_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    requirement = make_requirement(org)
    staff = org["users"]["mkt_staff"]
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert visible(staff, requirement) == (False, False)
    anonymous = AnonymousUser()
    assert not rules.can_view(anonymous, requirement)
    assert not requirements_visible_to(anonymous).exists()


def test_any_coordinator_sees_requirements(org):
    """Coordinators (协作协调人) receive and route every requirement."""
    requirement = make_requirement(org)
    other = UserFactory(username="coordinator2", is_coordinator=True)
    assert visible(other, requirement) == (True, True)
