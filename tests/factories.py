import datetime

import factory

from collab.accounts.models import Department, User


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.INTERNAL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username)
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def requirement_data(org, **overrides):
    """Valid input for requirement_create, filed by the demo organization."""
    departments = org["departments"]
    data = {
        "initiating_department": departments["MKT"],
        "contact_info": "1385678",
        "topic": "新品上市推广",
        "goal": "3个月内实现新品销售额500万元",
        "expected_outcomes": "活动方案",
        "start_date": datetime.date(2026, 12, 1),
        "end_date": datetime.date(2027, 2, 28),
        "resources": "预算20万元",
        "priority": "P1",
        "coordinator": org["users"]["director"],
    }
    data.update(overrides)
    return data


def make_requirement(org, *, actor=None, departments=("PRD", "SAL", "CHA"), **overrides):
    from requests_app.services import requirement_create

    return requirement_create(
        actor=actor or org["users"]["mkt_staff"],
        data=requirement_data(org, **overrides),
        departments=[org["departments"][c] for c in departments],
    )


def confirm_requirement(org, requirement):
    """Every head signs and the coordinator confirms."""
    from requests_app.selectors import review_slots
    from requests_app.services import requirement_confirm, requirement_sign

    for slot in review_slots(requirement):
        requirement_sign(
            requirement=requirement,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    return requirement_confirm(requirement=requirement, actor=org["users"]["director"])


def form_group(org, requirement, *, leader="mkt_head"):
    from requests_app.services import group_add_member

    users = org["users"]
    director = users["director"]
    group_add_member(requirement=requirement, actor=director, user=users[leader], role="leader")
    liaisons = {
        "PRD": "prd_liaison",
        "SAL": "sal_liaison",
        "DSN": "dsn_liaison",
        "CHA": "cha_contact",
        "TEC": "tec_staff",
        "OPS": "ops_staff",
        "MKT": "mkt_staff",
    }
    for department in requirement.departments.all():
        group_add_member(
            requirement=requirement,
            actor=director,
            user=users[liaisons[department.code]],
            role="liaison",
        )
    return requirement
