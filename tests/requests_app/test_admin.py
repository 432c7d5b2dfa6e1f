"""Django admin: every foundation model's pages render; lifecycle buttons run the services."""

import pytest
from django.urls import reverse

from collab.signoffs.models import SignOff
from requests_app.models import GroupMember, RequirementStatus
from requests_app.selectors import review_slots
from requests_app.services import requirement_sign
from tests.factories import form_group, make_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def requirement(org):
    requirement = make_requirement(org)
    requirement_sign(
        requirement=requirement, actor=org["users"]["director"], decision="approve", comment="可行"
    )
    form_group(org, requirement)
    return requirement


def model_objects(org, requirement):
    return {
        "requests_app_requirement": requirement,
        "accounts_department": org["departments"]["MKT"],
        "accounts_user": org["users"]["mkt_staff"],
        "requests_app_groupmember": GroupMember.objects.filter(requirement=requirement).first(),
        "signoffs_signoff": SignOff.objects.first(),
    }


@pytest.mark.parametrize(
    "name",
    [
        "requests_app_requirement",
        "accounts_department",
        "accounts_user",
        "requests_app_groupmember",
        "signoffs_signoff",
    ],
)
def test_changelist_change_and_history_pages_render(client, org, requirement, name):
    client.force_login(org["users"]["admin"])
    obj = model_objects(org, requirement)[name]
    changelist = client.get(reverse(f"admin:{name}_changelist"))
    assert changelist.status_code == 200
    assert str(obj) in changelist.text or obj.pk
    change = client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
    assert change.status_code == 200
    history = client.get(reverse(f"admin:{name}_history", args=[obj.pk]))
    assert history.status_code == 200
    search = client.get(reverse(f"admin:{name}_changelist"), {"q": "市场"})
    assert search.status_code == 200


def test_signoffs_are_read_only_in_admin(client, org, requirement):
    client.force_login(org["users"]["admin"])
    signoff = SignOff.objects.get()
    assert client.get(reverse("admin:signoffs_signoff_add")).status_code == 403
    page = client.get(reverse("admin:signoffs_signoff_change", args=[signoff.pk])).text
    assert 'name="_save"' not in page
    response = client.post(
        reverse("admin:signoffs_signoff_change", args=[signoff.pk]), {"comment": "改"}
    )
    assert response.status_code == 403
    signoff.refresh_from_db()
    assert signoff.comment == "可行"


def test_admin_pages_need_staff(client, org, requirement):
    client.force_login(org["users"]["director"])
    response = client.get(reverse("admin:requests_app_requirement_changelist"))
    assert response.status_code == 302


def change_form_data(response) -> dict:
    """The POST body the admin change form would send unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for sub in formset.forms:
            for name, field in sub.fields.items():
                value = sub.initial.get(name, field.initial)
                if value is not None:
                    data[sub.add_prefix(name)] = getattr(value, "pk", value)
    return data


def admin_transition(client, requirement, name):
    url = reverse("admin:requests_app_requirement_change", args=[requirement.pk])
    data = change_form_data(client.get(url))
    data["_fsm_transition_to"] = name
    return client.post(url, data, follow=True)


@pytest.fixture
def coordinator_admin(org):
    """The coordinator with admin access (the demo's director is not staff)."""
    director = org["users"]["director"]
    director.is_staff = director.is_superuser = True
    director.save(update_fields=["is_staff", "is_superuser"])
    return director


def test_admin_confirm_goes_through_the_service(client, org, requirement, coordinator_admin):
    client.force_login(coordinator_admin)
    url = reverse("admin:requests_app_requirement_change", args=[requirement.pk])
    page = client.get(url).text
    assert 'name="_fsm_transition_to" value="confirm"' not in page  # not ready: no button

    blocked = admin_transition(client, requirement, "confirm")
    assert "等待 市场部负责人 签字" in blocked.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.PENDING_REVIEW

    for slot in review_slots(requirement)[1:]:
        requirement_sign(
            requirement=requirement,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    assert 'value="confirm"' in client.get(url).text
    done = admin_transition(client, requirement, "confirm")
    assert "操作成功：确认需求" in done.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.CONFIRMED
    record = requirement.history.order_by("-history_id").first()
    assert record.history_user == coordinator_admin
    assert record.history_change_reason == "评审通过，确认需求"


def test_admin_superuser_who_is_not_the_coordinator_cannot_confirm(client, org, requirement):
    for slot in review_slots(requirement)[1:]:
        requirement_sign(
            requirement=requirement,
            actor=slot.signers[0],
            decision="approve",
            department=slot.department,
        )
    client.force_login(org["users"]["admin"])
    response = admin_transition(client, requirement, "confirm")
    assert "您没有执行该操作的权限" in response.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.PENDING_REVIEW


def test_admin_reject_without_reason_is_refused(client, org, requirement, coordinator_admin):
    client.force_login(coordinator_admin)
    response = admin_transition(client, requirement, "reject")
    assert "驳回需求时必须填写原因" in response.text
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.PENDING_REVIEW


def test_admin_unknown_transition_is_a_message_not_an_error(client, org, requirement):
    client.force_login(org["users"]["admin"])
    response = admin_transition(client, requirement, "delete")
    assert response.status_code == 200
    assert "未知的操作：delete" in response.text


def test_admin_add_numbers_by_filing_year(client, org):
    import time_machine

    from requests_app.models import Requirement

    client.force_login(org["users"]["admin"])
    url = reverse("admin:requests_app_requirement_add")
    with time_machine.travel("2026-06-01 10:00 +0800", tick=False):
        data = change_form_data(client.get(url))
        data.update(
            initiating_department=org["departments"]["SAL"].pk,
            contact=org["users"]["sal_head"].pk,
            topic="渠道政策调整",
            goal="季度渠道销售额提升10%",
            departments=[org["departments"]["PRD"].pk],
            start_date="2027-01-05",
            end_date="2027-03-31",
            priority="P1",
            coordinator=org["users"]["director"].pk,
        )
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    requirement = Requirement.objects.get(topic="渠道政策调整")
    assert requirement.number == "2026-SAL-001"  # the filing year, not the start date's
    assert requirement.history.get(history_type="+").history_user == org["users"]["admin"]
