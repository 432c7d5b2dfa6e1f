"""Sign-in protection, token lifetime and revocation, who sees whom, and the limits on
request bodies."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from collab.accounts.models import User
from tests.factories import form_group, make_requirement

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for user in User.objects.all():
        user.set_password("collab-demo")
        user.save(update_fields=["password"])


def obtain(client, username, password="collab-demo", **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, **extra)


# --- lockout and throttling -------------------------------------------------------


def test_login_page_locks_a_username_after_repeated_failures(client, org, fast_hashing, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "mkt_staff", "password": "wrong"})
        assert response.status_code == 200
    # the last failure allowed locks the username: even the right password is refused now
    assert client.post("/login/", {"username": "mkt_staff", "password": "x"}).status_code == 429
    locked = client.post("/login/", {"username": "mkt_staff", "password": "collab-demo"})
    assert locked.status_code == 429
    assert "分钟后再试" in locked.content.decode()
    assert int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    # after the cool-off the owner signs in again
    later = timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        response = client.post("/login/", {"username": "mkt_staff", "password": "collab-demo"})
    assert response.status_code == 302


def test_admin_unlocks_a_locked_username(client, org, fast_hashing, settings):
    from axes.models import AccessAttempt

    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "mkt_staff", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="mkt_staff").exists()
    from django.test import Client

    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "mkt_staff" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="mkt_staff")
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.filter(username="mkt_staff").exists()
    response = client.post("/login/", {"username": "mkt_staff", "password": "collab-demo"})
    assert response.status_code == 302


def test_token_endpoint_locks_out_with_429_and_a_chinese_message(org, fast_hashing, settings):
    settings.COLLAB_AUTH_THROTTLE_RATE = "1000/minute"
    client = APIClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(client, "mkt_staff", "wrong").status_code == 400
    assert obtain(client, "mkt_staff", "wrong").status_code == 429
    locked = obtain(client, "mkt_staff")
    assert locked.status_code == 429
    assert "分钟后再试" in locked.json()["detail"]
    assert "token" not in locked.json()
    assert not AuthToken.objects.filter(user=org["users"]["mkt_staff"]).exists()


def test_token_endpoint_is_throttled_per_address(org, fast_hashing, settings):
    settings.COLLAB_AUTH_THROTTLE_RATE = "3/minute"
    client = APIClient()
    answers = [obtain(client, f"nobody{i}", "wrong").status_code for i in range(4)]
    assert answers == [400, 400, 400, 429]
    assert obtain(client, "mkt_staff").status_code == 429


# --- tokens -----------------------------------------------------------------------


def test_token_expires_after_idle_days_and_is_renewed_by_use(org, fast_hashing, settings):
    client = APIClient()
    key = obtain(client, "mkt_staff").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    idle = settings.REST_KNOX["TOKEN_TTL"]
    start = timezone.now()
    with time_machine.travel(start + idle - datetime.timedelta(days=1), tick=False):
        assert client.get("/api/v1/me/").status_code == 200  # used: renewed
    with time_machine.travel(start + 2 * idle - datetime.timedelta(days=2), tick=False):
        assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(start + 3 * idle + datetime.timedelta(days=1), tick=False):
        assert client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=org["users"]["mkt_staff"]).exists()


def test_logout_and_delete_revoke_the_token_sent(org, fast_hashing):
    client = APIClient()
    first = obtain(client, "mkt_staff").json()["token"]
    second = obtain(client, "mkt_staff").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get("/api/v1/me/").status_code == 200
    assert client.delete(TOKEN_URL).status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_logout_all_revokes_every_token(org, fast_hashing):
    client = APIClient()
    keys = [obtain(client, "mkt_staff").json()["token"] for _ in range(3)]
    client.credentials(HTTP_AUTHORIZATION=f"Token {keys[0]}")
    assert client.post("/api/v1/auth/logout-all/").status_code == 204
    for key in keys:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/me/").status_code == 401


def test_password_change_through_the_api_revokes_tokens(org, fast_hashing):
    client = APIClient()
    key = obtain(client, "mkt_staff").json()["token"]
    other = obtain(client, "mkt_staff").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    wrong = client.post(
        "/api/v1/me/password/", {"old_password": "nope", "new_password": "N3w-secret-pass"}
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()
    weak = client.post(
        "/api/v1/me/password/", {"old_password": "collab-demo", "new_password": "123"}
    )
    assert weak.status_code == 400 and "new_password" in weak.json()
    assert client.get("/api/v1/me/").status_code == 200  # refused changes revoke nothing
    changed = client.post(
        "/api/v1/me/password/", {"old_password": "collab-demo", "new_password": "N3w-secret-pass"}
    )
    assert changed.status_code == 200
    for token in (key, other):
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/me/").status_code == 401
    assert obtain(APIClient(), "mkt_staff", "N3w-secret-pass").status_code == 200


def test_password_change_in_the_browser_and_deactivation_revoke_tokens(client, org, fast_hashing):
    api = APIClient()
    key = obtain(api, "mkt_staff").json()["token"]
    client.force_login(User.objects.get(username="mkt_staff"))
    page = client.get("/password/")
    assert page.status_code == 200
    response = client.post(
        "/password/",
        {
            "old_password": "collab-demo",
            "new_password1": "N3w-secret-pass",
            "new_password2": "N3w-secret-pass",
        },
    )
    assert response.status_code == 302
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401
    key = obtain(APIClient(), "mkt_staff", "N3w-secret-pass").json()["token"]
    user = User.objects.get(username="mkt_staff")
    user.is_active = False
    user.save(update_fields=["is_active"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_admins_list_and_revoke_tokens_users_only_their_own(org, api):
    users = org["users"]
    api.as_user(users["mkt_staff"])
    own = api.get("/api/v1/auth/tokens/").json()
    assert {t["username"] for t in own} == {"mkt_staff"}
    admin = APIClient()
    admin_key = None
    from collab.accounts.services import token_issue

    _token, admin_key = token_issue(user=users["admin"])
    admin.credentials(HTTP_AUTHORIZATION=f"Token {admin_key}")
    listed = admin.get("/api/v1/auth/tokens/", {"user": users["mkt_staff"].pk}).json()
    assert [t["username"] for t in listed] == ["mkt_staff"]
    digest = AuthToken.objects.filter(user=users["admin"]).first().digest
    assert api.delete(f"/api/v1/auth/tokens/{digest}/").status_code in (401, 404)
    assert admin.delete(f"/api/v1/auth/tokens/{digest}/").status_code == 204


# --- who sees whom ------------------------------------------------------------------


@pytest.fixture
def grouped(org):
    requirement = make_requirement(org)
    form_group(org, requirement)
    return requirement


MATRIX = {
    # viewer: (sees every user, sees e-mail/phone of others)
    "admin": (True, True),
    "director": (True, True),
    "mkt_staff": (True, False),
    "cha_contact": (False, False),
}


@pytest.mark.parametrize("viewer", list(MATRIX))
def test_user_directory_matrix(org, api, grouped, viewer):
    users = org["users"]
    for user in User.objects.all():
        user.email = f"{user.username}@example.com"
        user.phone = "13800000000"
        user.save(update_fields=["email", "phone"])
    client = api.as_user(users[viewer])
    listed = client.get("/api/v1/users/", {"page_size": 100}).json()["results"]
    names = {u["username"] for u in listed}
    sees_all, sees_contacts = MATRIX[viewer]
    if sees_all:
        assert names == set(User.objects.values_list("username", flat=True))
    else:
        group = {m.user.username for m in grouped.members.select_related("user")}
        expected = group | {"cha_contact", grouped.contact.username}
        expected |= {grouped.coordinator.username} if grouped.coordinator else set()
        assert names == expected
        assert "admin" not in names
        hidden = users["ops_staff"]
        assert client.get(f"/api/v1/users/{hidden.pk}/").status_code == 404
    for row in listed:
        if row["username"] == viewer or sees_contacts:
            assert row["email"] == f"{row['username']}@example.com"
            assert row["phone"] == "13800000000"
        else:
            assert row["email"] == "" and row["phone"] == ""


# --- request limits and headers --------------------------------------------------------


def test_deeply_nested_and_oversized_json_are_refused(org, api, settings):
    client = api.as_user(org["users"]["mkt_staff"])
    deep = "[" * 100000 + "]" * 100000
    response = client.generic(
        "POST", "/api/v1/requirements/", deep, content_type="application/json"
    )
    assert response.status_code in (400, 413)
    nested = "[" * 40 + "]" * 40
    response = client.generic(
        "POST", "/api/v1/requirements/", nested, content_type="application/json"
    )
    assert response.status_code == 400
    big = '{"topic": "' + "x" * settings.COLLAB_API_MAX_JSON_BYTES + '"}'
    response = client.generic("POST", "/api/v1/requirements/", big, content_type="application/json")
    assert response.status_code == 413


def test_form_bodies_are_refused_on_json_endpoints(org, api):
    client = api.as_user(org["users"]["mkt_staff"])
    response = client.post("/api/v1/requirements/", {"topic": "x"}, format="multipart")
    assert response.status_code == 415


def test_security_headers_on_pages_and_api(client, org, api):
    client.force_login(org["users"]["mkt_staff"])
    page = client.get("/requirements/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in policy
    assert page["X-Frame-Options"] == "DENY"
    response = api.as_user(org["users"]["mkt_staff"]).get("/api/v1/requirements/")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_api_docs_are_served_from_this_site(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "<script>" not in page
