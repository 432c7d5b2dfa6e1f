"""No dead ends: styled 403/404/405/500 pages in the reader's language with a way back,
the lifecycle's reason instead of a bare refusal, the favicon and the web manifest; one
status badge whose colours pass WCAG AA for every status, impact, priority and kind."""

import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from collab.accounts.services import user_set_language
from collab.core import site
from requests_app.lifecycle import LIFECYCLE

pytestmark = pytest.mark.django_db

BADGES_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "badges.css"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(client, user, language="zh-hans"):
    user_set_language(user=user, language=language)
    client.force_login(user)
    return client


def test_unknown_page_is_styled_in_the_readers_language_with_a_way_home(client, org):
    user = org["users"]["prd_liaison"]
    response = signed_in(client, user).get(
        "/no-such-page/", HTTP_REFERER="http://testserver/tasks/"
    )
    body = response.content.decode()
    assert response.status_code == 404
    assert 'id="error-page"' in body and "页面不存在" in body
    assert 'href="http://testserver/tasks/"' in body  # back to where the reader came from
    assert f'href="{reverse("home")}" id="error-home"' in body
    assert 'id="main-navbar"' in body  # the menu stays

    english = signed_in(client, user, "en").get("/no-such-page/").content.decode()
    assert "Page not found" in english and "页面不存在" not in english
    # A referer from another site is no way back.
    other = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in other


def test_api_keeps_json_errors(client, org):
    response = signed_in(client, org["users"]["director"]).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_task_form_of_a_completed_requirement_says_why(client, seed):
    from requests_app.models import Requirement

    requirement = Requirement.objects.get(status="completed")
    url = reverse("tasks:create", args=[requirement.pk])
    director = seed["users"]["director"]
    response = signed_in(client, director).get(url)
    body = response.content.decode()
    assert response.status_code == 403
    assert 'id="error-reason"' in body
    assert requirement.number in body and "“已完成”" in body and "已确认或执行中" in body

    english = signed_in(client, director, "en").get(url).content.decode()
    with translation.override("en"):
        state = str(LIFECYCLE.state_label("completed"))
    assert f"{requirement.number} is “{state}”" in english
    assert "confirmed or in progress" in english

    # Someone outside the group is told who may, not the state.
    partner = signed_in(client, seed["users"]["cha_contact"]).get(url)
    assert partner.status_code in (403, 404)


def test_get_on_an_action_url_answers_a_styled_405(client, org):
    from tests.factories import make_requirement

    requirement = make_requirement(org)
    url = reverse("requirements:transition", args=[requirement.pk, "confirm"])
    response = signed_in(client, org["users"]["director"]).get(url)
    body = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "请通过页面上的按钮操作" in body and 'id="error-home"' in body
    assert requirement.status == "pending_review"


def test_server_error_page_needs_no_context_and_offers_the_dashboard():
    request = RequestFactory().get("/tasks/")
    response = site.server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in body and f'href="{reverse("home")}"' in body
    api = site.server_error(RequestFactory().get("/api/v1/tasks/"))
    assert api.status_code == 500 and json.loads(api.content)["detail"]


def test_favicon_and_manifest_point_at_files_that_exist(client):
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 302
    assert finders.find(favicon["Location"].removeprefix("/static/"))

    manifest = client.get(reverse("web_manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == reverse("home") and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon


def _rules() -> dict[str, tuple[str, str]]:
    """class name -> (background, colour) from badges.css."""
    css = re.sub(r"/\*.*?\*/", "", BADGES_CSS.read_text(), flags=re.S)
    found = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        background = re.search(r"background-color:\s*(#[0-9a-fA-F]{3,6})", body)
        colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{3,6})", body)
        if not (background and colour):
            continue
        for selector in selectors.split(","):
            name = selector.strip().removeprefix(".status-badge.")
            found[name] = (background.group(1), colour.group(1))
    return found


def _contrast(first: str, second: str) -> float:
    def luminance(value: str) -> float:
        value = value.lstrip("#")
        if len(value) == 3:
            value = "".join(c * 2 for c in value)
        channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _badge_values() -> dict[str, set[str]]:
    """Every status of every register, and impact, priority and kind."""
    values: dict[str, set[str]] = {
        "status": set(),
        "impact": set(),
        "priority": set(),
        "kind": set(),
    }
    for model in apps.get_models():
        if model._meta.app_label not in {"requests_app", "tasks_app", "risks_app", "reviews_app"}:
            continue
        for field in model._meta.concrete_fields:
            if (
                field.choices
                and field.name in values
                and not model.__name__.startswith("Historical")
            ):
                if field.name == "kind" and model._meta.model_name != "risk":
                    continue
                values[field.name] |= {str(value) for value, _label in field.flatchoices}
    return values


def test_every_badge_value_has_colours_passing_wcag_aa():
    rules = _rules()
    values = _badge_values()
    assert {"pending_review", "in_progress", "blocked", "resolved", "signing"} <= values["status"]
    assert values["impact"] == {"high", "medium", "low"}
    assert values["priority"] == {"P0", "P1", "P2"}
    for kind, codes in values.items():
        for code in codes:
            name = f"{kind}-{code}"
            assert name in rules, f"no colours for {name} in badges.css"
            ratio = _contrast(*rules[name])
            assert ratio >= 4.5, f"{name}: contrast {ratio:.2f}"
    assert _contrast(*rules["delay"]) >= 4.5


def render(source: str, **context) -> str:
    return Template("{% load collab %}" + source).render(Context(context))


def test_status_badge_and_delay_badge():
    badge = render('{% status_badge "in_progress" "执行中" %}')
    assert badge == (
        '<span class="status-badge badge status-in_progress" data-status="in_progress">'
        "执行中</span>"
    )
    assert 'class="status-badge badge impact-high"' in render(
        '{% status_badge "high" "高" "impact" element_id="x" %}'
    )
    assert 'id="x"' in render('{% status_badge "high" "高" "impact" element_id="x" %}')
    assert render('{% status_badge "" "" %}') == ""
    assert "&lt;b&gt;" in render("{% status_badge code label %}", code="open", label="<b>")
    # Delay only when there is one, in days.
    assert render("{% delay_badge days %}", days=0) == ""
    assert render("{% delay_badge days %}", days=None) == ""
    late = render("{% delay_badge days %}", days=3)
    assert "延期 3 天" in late and 'class="status-badge badge delay"' in late


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["abc\x00defghijklmnop", "../../etc/passwd", "ÄÖÜ" * 10])
def test_a_malformed_session_cookie_is_no_session(client, cookie):
    client.cookies["sessionid"] = cookie
    page = client.get("/")
    assert page.status_code == 302 and "/login/" in page["Location"]
    api = client.get("/api/v1/requirements/")
    assert api.status_code in (401, 403)
