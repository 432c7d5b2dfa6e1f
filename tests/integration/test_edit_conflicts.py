"""Every browser edit form carries the version it was loaded from. Saving over a newer
version writes nothing and shows, for each field changed since loading, the value now
stored and the value typed, with a way to reload; saving again (the form now holds the
stored version) is a deliberate overwrite."""

import dataclasses
import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import confirm_requirement, form_group, make_requirement
from tests.forms import form_data
from tests.reviews_app.conftest import run_acceptance, start_with_task
from tests.risks_app.conftest import make_risk
from tests.tasks_app.conftest import make_task

STORED, TYPED = "另一人保存的值", "我填写的值"


@dataclass
class Case:
    editor: str
    page: str  # the page showing the form
    form: str  # "#id" of the form, or the path it posts to
    action: str  # where it posts
    field: str
    rival: Any  # saves STORED (or `stored`) in `field` through the service, as someone else
    read: Any  # the field's value as stored now
    typed: str = TYPED
    stored: str = STORED
    labels: tuple[str, str] = (STORED, TYPED)  # how the two read in the conflict table
    also: dict = dataclasses.field(default_factory=dict)  # other values the editor changes


@pytest.fixture(autouse=True)
def cheap_setup(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }


def _running(org):
    requirement = form_group(org, make_requirement(org))
    confirm_requirement(org, requirement)
    return start_with_task(org, requirement)[0]


def _fresh(obj, name):
    return lambda: getattr(type(obj).objects.get(pk=obj.pk), name)


def requirement_case(org, users):
    from requests_app.services import requirement_update

    requirement = make_requirement(org)
    url = f"/requirements/{requirement.pk}/edit/"
    return Case(
        "mkt_staff",
        url,
        "#requirement-form",
        url,
        "topic",
        lambda: requirement_update(
            requirement=requirement, actor=users["director"], data={"topic": STORED}
        ),
        _fresh(requirement, "topic"),
    )


def task_case(org, users):
    from tasks_app.services import task_update

    requirement = form_group(org, make_requirement(org))
    task = make_task(org, confirm_requirement(org, requirement), "1")
    url = f"/tasks/{task.pk}/edit/"
    return Case(
        "mkt_head",
        url,
        "#task-form",
        url,
        "name",
        lambda: task_update(task=task, actor=users["director"], data={"name": STORED}),
        _fresh(task, "name"),
    )


def plan_case(org, users):
    from tasks_app.plan_services import plan_create, plan_update

    requirement = confirm_requirement(org, form_group(org, make_requirement(org)))
    task = make_task(org, requirement, "1")
    plan = plan_create(
        requirement=requirement, actor=users["prd_liaison"], title="方案", body="内容", task=task
    )
    url = f"/tasks/plans/{plan.pk}/edit/"
    return Case(
        "prd_liaison",
        url,
        "#plan-form",
        url,
        "title",
        lambda: plan_update(plan=plan, actor=users["mkt_head"], data={"title": STORED}),
        _fresh(plan, "title"),
    )


def meeting_case(org, users):
    from meetings.services import meeting_create, meeting_update

    requirement = _running(org)
    meeting = meeting_create(
        requirement=requirement,
        actor=users["mkt_head"],
        kind="weekly",
        held_at=datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC),
        title="周例会",
        minutes="初稿",
    )
    url = f"/meetings/{meeting.pk}/edit/"
    return Case(
        "mkt_head",
        url,
        "#meeting-form",
        url,
        "minutes",
        lambda: meeting_update(meeting=meeting, actor=users["director"], data={"minutes": STORED}),
        _fresh(meeting, "minutes"),
    )


def risk_case(org, users):
    from risks_app.services import risk_update

    risk = make_risk(org, _running(org))
    url = f"/risks/{risk.pk}/edit/"
    return Case(
        "mkt_head",
        url,
        "#risk-form",
        url,
        "description",
        lambda: risk_update(risk=risk, actor=users["director"], data={"description": STORED}),
        _fresh(risk, "description"),
    )


def permissions_case(org, users):
    from documents.services import document_create, document_set_permissions

    document = document_create(
        requirement=form_group(org, make_requirement(org)),
        actor=users["prd_liaison"],
        title="方案",
        category="plan",
        upload=SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    url = f"/documents/{document.pk}/permissions/"
    return Case(
        "prd_liaison",
        url,
        "#permissions-form",
        url,
        "group_access",
        lambda: document_set_permissions(
            document=document, actor=users["mkt_head"], group_access="edit", grants=[]
        ),
        _fresh(document, "group_access"),
        typed="none",
        stored="edit",
        labels=("编辑", "不可见"),
    )


def _acceptance(org, users):
    from reviews_app.acceptance.services import acceptance_create, criterion_add

    requirement = _running(org)
    criterion_add(requirement=requirement, actor=users["mkt_staff"], text="方案完整")
    departments = [org["departments"]["MKT"]]
    return acceptance_create(
        requirement=requirement,
        actor=users["mkt_staff"],
        accepted_on=datetime.date(2026, 11, 20),
        departments=departments,
    )


def acceptance_case(org, users):
    from reviews_app.acceptance.services import acceptance_update

    acceptance = _acceptance(org, users)
    return Case(
        "mkt_staff",
        f"/reviews/requirements/{acceptance.requirement_id}/acceptance/",
        "#acceptance-form",
        f"/reviews/acceptances/{acceptance.pk}/edit/",
        "quality_comment",
        lambda: acceptance_update(
            acceptance=acceptance, actor=users["director"], data={"quality_comment": STORED}
        ),
        _fresh(acceptance, "quality_comment"),
    )


def result_case(org, users):
    from reviews_app.acceptance.services import acceptance_judge

    acceptance = _acceptance(org, users)
    result = acceptance.results.get()
    action = f"/reviews/acceptances/{acceptance.pk}/results/{result.pk}/"
    return Case(
        "mkt_staff",
        f"/reviews/requirements/{acceptance.requirement_id}/acceptance/",
        action,
        action,
        "comment",
        lambda: acceptance_judge(
            acceptance=acceptance,
            actor=users["director"],
            result=result,
            passed=True,
            comment=STORED,
        ),
        _fresh(result, "comment"),
        also={"passed": "1"},
    )


def criterion_case(org, users):
    from reviews_app.acceptance.services import criterion_add, criterion_update

    requirement = _running(org)
    criterion = criterion_add(requirement=requirement, actor=users["mkt_staff"], text="初稿")
    action = f"/reviews/requirements/{requirement.pk}/criteria/{criterion.pk}/edit/"
    return Case(
        "mkt_staff",
        f"/reviews/requirements/{requirement.pk}/acceptance/",
        action,
        action,
        "text",
        lambda: criterion_update(criterion=criterion, actor=users["director"], text=STORED),
        _fresh(criterion, "text"),
    )


def retrospective_case(org, users):
    from reviews_app.retrospective.services import retrospective_update

    requirement = _running(org)
    retrospective = run_acceptance(org, requirement).retrospective
    return Case(
        "mkt_head",
        f"/reviews/requirements/{requirement.pk}/retrospective/",
        "#retrospective-form",
        f"/reviews/retrospectives/{retrospective.pk}/edit/",
        "summary",
        lambda: retrospective_update(
            retrospective=retrospective, actor=users["director"], data={"summary": STORED}
        ),
        _fresh(retrospective, "summary"),
    )


CASES = [
    requirement_case,
    task_case,
    plan_case,
    meeting_case,
    risk_case,
    permissions_case,
    acceptance_case,
    result_case,
    criterion_case,
    retrospective_case,
]


def conflict_row(html: str, field: str) -> tuple[str, str]:
    row = re.search(rf'<tr data-field="{field}">(.*?)</tr>', html, re.S)
    assert row, f"the conflict names no field {field}"
    stored = re.search(r'data-value="stored">(.*?)</td>', row.group(1), re.S).group(1)
    typed = re.search(r'data-value="typed">(.*?)</td>', row.group(1), re.S).group(1)
    return stored, typed


WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


@pytest.mark.parametrize("build", CASES, ids=[c.__name__.removesuffix("_case") for c in CASES])
def test_saving_over_a_newer_version_shows_the_conflict(client, org, build):
    users = org["users"]
    case = build(org, users)
    client.force_login(users[case.editor])
    loaded = form_data(client.get(case.page).text, case.form)
    assert re.fullmatch(r"[0-9a-f]{8}(\.[0-9a-f]{8})*", loaded["version"])

    case.rival()  # someone else saves the record meanwhile
    with CaptureQueriesContext(connection) as queries:
        response = client.post(case.action, {**loaded, **case.also, case.field: case.typed})
    assert response.status_code == 200
    html = response.text
    assert "未保存：您打开此页面后，该记录已被他人修改。" in html
    assert conflict_row(html, case.field) == case.labels
    assert 'id="edit-conflict-reload"' in html
    assert case.read() == case.stored  # nothing was written
    assert not [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])]

    # The typed values come back with the stored version: saving them again is deliberate.
    again = form_data(html, case.form)
    assert again[case.field] == case.typed
    assert again["version"] != loaded["version"]
    assert client.post(case.action, again).status_code == 302
    assert case.read() == case.typed


def test_a_form_without_its_version_is_refused(client, org):
    case = requirement_case(org, org["users"])
    client.force_login(org["users"][case.editor])
    loaded = form_data(client.get(case.page).text, case.form)
    del loaded["version"]
    response = client.post(case.action, {**loaded, "topic": TYPED})
    assert response.status_code == 200
    assert conflict_row(response.text, "topic")[1] == TYPED
    assert case.read() != TYPED
