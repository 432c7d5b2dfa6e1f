"""OPTIONS answers on every API endpoint: list and detail routes with a real id, custom
actions and the explicit paths, for a signed-in user, without a server error."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>|<drf_format_suffix:format>")
PLACEHOLDER = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def api_paths() -> list[str]:
    """Every path pattern under /api/v1/, format-suffix variants left out."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    found = []
    for path in walk(get_resolver().url_patterns, "/"):
        path = path.replace("^", "").replace("$", "")
        if path.startswith("/api/v1/") and not FORMAT_SUFFIX.search(path):
            found.append(path)
    return found


def first_id(client, list_path: str):
    response = client.get(list_path)
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return None
    data = response.json()
    rows = data.get("results", data) if isinstance(data, dict) else data
    return rows[0]["id"] if isinstance(rows, list) and rows and "id" in rows[0] else None


def test_options_never_fails_on_any_endpoint(api, seed):
    from requests_app.models import GroupMember

    user = seed["users"]["mkt_staff"]
    client = api.as_user(user)
    client.raise_request_exception = False  # a server error is counted, not raised
    requirement_id = first_id(client, "/api/v1/requirements/")
    member = GroupMember.objects.filter(requirement_id=requirement_id).first()
    values = {
        "requirement_pk": requirement_id,
        "member_id": member.pk if member else 1,
        "register": "tasks",
        "fmt": "xlsx",
        "digest": "0" * 8,
    }
    paths = api_paths()
    assert len(paths) > 80  # the router's routes and the explicit paths were found
    failures, checked = [], 0
    for path in paths:

        def fill(match, path=path):
            name = match.group(1) or match.group(2)
            if name == "pk":
                # the id of the first row its list shows this user
                return str(first_id(client, path[: match.start()]) or requirement_id)
            return str(values.get(name, 1))

        url = PLACEHOLDER.sub(fill, path)
        response = client.options(url)
        checked += 1
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert checked == len(paths)
    assert failures == []


def test_options_describes_the_notification_preferences(api, org):
    client = api.as_user(org["users"]["mkt_staff"])
    response = client.options("/api/v1/notifications/preferences/")
    assert response.status_code == 200
    assert set(response.json()["actions"]["PUT"]) == {
        "inbox",
        "email",
        "robots",
        "digest",
        "work_notice",
    }
