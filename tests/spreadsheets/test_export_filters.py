"""Every register export answers the rows its list answers for the same filters."""

import csv
import io

import pytest

from reviews_app.models import Acceptance
from tests.spreadsheets.helpers import response_bytes

pytestmark = pytest.mark.django_db


def exported(client, register, params) -> list[dict]:
    response = client.get(f"/api/v1/{register}/export.csv", params)
    assert response.status_code == 200, response.content[:300]
    text = response_bytes(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def listed(client, url, params) -> list[dict]:
    response = client.get(url, {**params, "page_size": 500})
    assert response.status_code == 200, response.data
    return response.data["results"]


def agree(client, register, url, params, column, field):
    """The export's `column` values equal the list's `field` values (as multisets)."""
    rows, results = exported(client, register, params), listed(client, url, params)
    assert sorted(row[column] for row in rows) == sorted(str(r[field]) for r in results)
    return len(rows)


@pytest.fixture
def director(api, seed):
    return api.as_user(seed["users"]["director"])


def test_requirement_export_honours_requirement_and_list_filters(director, seed):
    url, everything = "/api/v1/requirements/", listed(director, "/api/v1/requirements/", {})
    one = everything[-1]
    rows = exported(director, "requirements", {"requirement": one["id"]})
    assert [row["需求编号"] for row in rows] == [one["number"]]
    # with a filter the requirement does not meet, nothing is left
    other_status = next(s for s in ("completed", "pending_review") if s != one["status"])
    assert (
        exported(director, "requirements", {"requirement": one["id"], "status": other_status}) == []
    )
    total = len(everything)
    for params in (
        {"status": one["status"]},
        {"priority": one["priority"]},
        {"search": one["topic"][:4]},
        {"q": one["number"]},
        {"department": one["departments"][0]},
    ):
        count = agree(director, "requirements", url, params, "需求编号", "number")
        assert 0 < count <= total, params
    assert (
        agree(
            director,
            "requirements",
            url,
            {"status": "rejected", "search": "无此主题"},
            "需求编号",
            "number",
        )
        == 0
    )


def test_task_export_honours_the_list_filters_within_a_requirement(director, seed):
    url = "/api/v1/tasks/"
    tasks = listed(director, url, {})
    requirement = tasks[0]["requirement"]
    within = [t for t in tasks if t["requirement"] == requirement]
    assert len(within) > 1
    name = within[-1]["name"]
    rows = exported(director, "tasks", {"requirement": requirement, "search": name})
    assert [row["子任务名称"] for row in rows] == [name]
    status = within[0]["status"]
    for params in ({"status": status}, {"search": within[0]["name"][:3]}, {"overdue": "true"}):
        agree(director, "tasks", url, params, "子任务名称", "name")


def test_risk_and_review_exports_honour_the_list_filters(director, seed):
    url = "/api/v1/risks/"
    risks = listed(director, url, {})
    first = risks[0]
    for params in (
        {"requirement": first["requirement"], "impact": first["impact"]},
        {"kind": first["kind"]},
        {"search": first["description"][:4]},
    ):
        assert agree(director, "risks", url, params, "风险/问题描述", "description") > 0
    acceptances = list(Acceptance.objects.exclude(status="failed").select_related("requirement"))
    assert acceptances
    for rating in ("excellent", "good", "pass", "fail"):
        rows = exported(director, "review", {"quality_rating": rating})
        expected = [a.requirement.topic for a in acceptances if a.quality_rating == rating]
        assert sorted(row["项目名称"] for row in rows) == sorted(expected), rating


@pytest.mark.parametrize(
    ("register", "params", "field"),
    [
        ("requirements", {"status": "nonsense"}, "status"),
        ("tasks", {"owner": "1.5"}, "owner"),
        ("risks", {"impact": "huge"}, "impact"),
        ("review", {"quality_rating": "great"}, "quality_rating"),
    ],
)
def test_an_invalid_filter_is_refused_like_the_list_refuses_it(director, register, params, field):
    list_url = {
        "requirements": "/api/v1/requirements/",
        "tasks": "/api/v1/tasks/",
        "risks": "/api/v1/risks/",
        "review": "/api/v1/reviews/acceptances/",
    }[register]
    assert director.get(list_url, params).status_code == 400
    response = director.get(f"/api/v1/{register}/export.xlsx", params)
    assert response.status_code == 400
    assert field in response.json()


def test_the_export_page_shows_an_invalid_filter(client, seed):
    client.force_login(seed["users"]["director"])
    response = client.get(
        "/spreadsheets/export/requirements.xlsx", {"status": "nonsense"}, follow=True
    )
    assert response.status_code == 200
    assert "nonsense" in response.content.decode()
