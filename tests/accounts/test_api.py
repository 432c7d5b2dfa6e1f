"""Organization API: everyone signed in reads; staff write (other systems sync the org chart)."""

import pytest
from rest_framework.test import APIClient

from collab.accounts.models import Department, User

pytestmark = pytest.mark.django_db


def test_token_endpoint(org):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "mkt_staff", "password": "collab-demo"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    wrong = client.post("/api/v1/auth/token/", {"username": "mkt_staff", "password": "nope"})
    assert wrong.status_code == 400
    assert "token" not in wrong.json()
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "mkt_staff"
    assert me["display_name"] == org["users"]["mkt_staff"].display_name == "王芳"
    assert me["department"] == org["departments"]["MKT"].pk
    assert me["is_coordinator"] is False
    assert "password" not in me


@pytest.mark.parametrize("username", ["mkt_staff", "director"])
def test_everyone_signed_in_reads(org, api, username):
    client = api.as_user(org["users"][username])
    departments = client.get("/api/v1/departments/").json()
    assert departments["count"] == 7
    mkt = next(d for d in departments["results"] if d["code"] == "MKT")
    assert mkt == {
        "id": org["departments"]["MKT"].pk,
        "code": "MKT",
        "name": "市场部",
        "kind": "internal",
        "head": org["users"]["mkt_head"].pk,
    }
    partners = client.get("/api/v1/departments/", {"kind": "partner"}).json()["results"]
    assert [d["code"] for d in partners] == ["CHA"]
    users = client.get("/api/v1/users/", {"page_size": 100}).json()
    assert users["count"] == User.objects.count()
    assert all("password" not in u for u in users["results"])
    director = client.get(f"/api/v1/users/{org['users']['director'].pk}/")
    assert director.status_code == 200 and director["ETag"]
    assert director.json()["is_coordinator"] is True


@pytest.mark.parametrize("username", ["mkt_staff", "mkt_head", "director"])
def test_non_staff_cannot_write(org, api, username):
    client = api.as_user(org["users"][username])
    mkt = org["departments"]["MKT"]
    assert client.post("/api/v1/departments/", {"code": "FIN", "name": "财务部"}).status_code == 403
    assert client.patch(f"/api/v1/departments/{mkt.pk}/", {"name": "x"}).status_code == 403
    created = client.post("/api/v1/users/", {"username": "x1", "password": "Str0ng-pass!"})
    assert created.status_code == 403
    target = org["users"]["prd_liaison"]
    assert client.patch(f"/api/v1/users/{target.pk}/", {"is_coordinator": True}).status_code == 403
    assert not Department.objects.filter(code="FIN").exists()
    assert not User.objects.filter(username="x1").exists()
    target.refresh_from_db()
    assert not target.is_coordinator


def test_staff_create_department_and_user_with_password(org, api):
    client = api.as_user(org["users"]["admin"])
    created = client.post(
        "/api/v1/departments/",
        {"code": "fin", "name": "财务部", "kind": "internal"},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["code"] == "FIN"
    fin = Department.objects.get(code="FIN")
    user = client.post(
        "/api/v1/users/",
        {
            "username": "fin_head",
            "display_name": "财务部负责人",
            "department": fin.pk,
            "password": "Caiwu-2026-strong",
            "phone": "13800000000",
        },
    )
    assert user.status_code == 201, user.json()
    assert "password" not in user.json()
    fin_head = User.objects.get(username="fin_head")
    assert fin_head.check_password("Caiwu-2026-strong")
    assert fin_head.department == fin
    head = client.patch(f"/api/v1/departments/{fin.pk}/", {"head": fin_head.pk})
    assert head.status_code == 200
    fin.refresh_from_db()
    assert fin.head == fin_head
    # The new user can sign in with that password.
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "fin_head", "password": "Caiwu-2026-strong"}
    )
    assert token.status_code == 200
    # Without a password the account cannot sign in until one is set.
    client.post("/api/v1/users/", {"username": "synced_only"})
    assert not User.objects.get(username="synced_only").has_usable_password()
    changed = client.patch(f"/api/v1/users/{fin_head.pk}/", {"password": "Another-2026-pass"})
    assert changed.status_code == 200
    fin_head.refresh_from_db()
    assert fin_head.check_password("Another-2026-pass")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/departments/", {"code": "MKT", "name": "另一个市场部"}, "code"),
        ("/api/v1/departments/", {"code": "mkt", "name": "另一个市场部"}, "code"),
        ("/api/v1/departments/", {"code": "F-1", "name": "财务部"}, "code"),
        ("/api/v1/departments/", {"code": "FIN", "name": "市场部"}, "name"),
        ("/api/v1/departments/", {"code": "FIN", "name": "财务部", "kind": "other"}, "kind"),
        ("/api/v1/departments/", {"code": "FIN", "name": "财务部", "head": 999999}, "head"),
        ("/api/v1/users/", {"username": "mkt_staff"}, "username"),
        ("/api/v1/users/", {"username": "weak", "password": "123"}, "password"),
        ("/api/v1/users/", {"username": "u1", "department": 999999}, "department"),
        ("/api/v1/users/", {"username": "bad name!"}, "username"),
    ],
)
def test_staff_bad_input_is_400_with_field_errors(org, api, path, body, field):
    client = api.as_user(org["users"]["admin"])
    counts = (Department.objects.count(), User.objects.count())
    response = client.post(path, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (Department.objects.count(), User.objects.count()) == counts


def test_stale_if_match_on_department(org, api):
    client = api.as_user(org["users"]["admin"])
    prd = org["departments"]["PRD"]
    etag = client.get(f"/api/v1/departments/{prd.pk}/")["ETag"]
    assert (
        client.patch(
            f"/api/v1/departments/{prd.pk}/", {"name": "产品中心"}, HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )
    stale = client.patch(f"/api/v1/departments/{prd.pk}/", {"name": "产品部门"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    prd.refresh_from_db()
    assert prd.name == "产品中心"
    history = client.get(f"/api/v1/departments/{prd.pk}/history/").json()
    change = history[0]["changes"][0]
    assert (change["field"], change["old"], change["new"]) == ("name", "产品部", "产品中心")


def test_no_deleting_through_the_api(org, api):
    client = api.as_user(org["users"]["admin"])
    prd = org["departments"]["PRD"]
    assert client.delete(f"/api/v1/departments/{prd.pk}/").status_code == 405
    assert client.delete(f"/api/v1/users/{org['users']['prd_head'].pk}/").status_code == 405
