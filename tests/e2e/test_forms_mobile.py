"""On a phone (390×844): a head signs on the sign card in place, a rejection only with a
comment."""

import pytest

from collab.signoffs.services import signoffs_for
from requests_app.models import REVIEW_STAGE
from tests.factories import make_requirement

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    # Script errors, and any failed request except the browser's own favicon probe.
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: response.status >= 400
        and not response.url.endswith("/favicon.ico")
        and errors.append(f"{response.status} {response.url}"),
    )
    page.errors = errors
    yield page
    context.close()


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "collab-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _fits(page, selector: str) -> bool:
    """The element lies within the phone's width (the page's own chrome aside)."""
    box = page.locator(selector).bounding_box()
    return box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_a_head_signs_on_a_phone_in_place(phone, org, artifact_path):
    requirement = make_requirement(org)
    prd = org["departments"]["PRD"]
    page = phone
    _login(page, "prd_head")
    page.goto(f"/requirements/{requirement.pk}/")
    page.evaluate("window.stayedOnPage = true")
    slot = page.locator(f"#signoffs li[data-slot='{prd.pk}']")
    approve, reject = slot.locator("button[value=approve]"), slot.locator("button[value=reject]")
    approve.scroll_into_view_if_needed()
    # Two big side-by-side buttons, each on one line, within the screen.
    for button in (approve, reject):
        box = button.bounding_box()
        assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert approve.bounding_box()["y"] == reject.bounding_box()["y"]
    assert _fits(page, "#signoffs")

    # Rejecting without a comment is refused beside the comment box; nothing is signed.
    reject.click()
    error = slot.locator(".invalid-feedback")
    error.wait_for()
    assert "不同意时请填写说明" in error.inner_text()
    assert slot.locator(".badge", has_text="待签字").count() == 1
    assert not signoffs_for(requirement, REVIEW_STAGE).exists()

    slot.locator("input[name=comment]").fill("资源已确认")
    slot.locator("button[value=approve]").click()
    slot.locator(".badge", has_text="已同意").wait_for()
    assert "资源已确认" in slot.inner_text() and "已签字" in slot.inner_text()
    # Signed in place: the same page, the form folded away behind its summary.
    assert page.evaluate("window.stayedOnPage === true")
    assert not slot.locator("button[value=approve]").is_visible()
    page.screenshot(path=artifact_path("phone-sign-card.png"), full_page=True)
    assert page.errors == []

    signed = [(s.department_id, s.decision) for s in signoffs_for(requirement, REVIEW_STAGE)]
    assert signed == [(prd.pk, "approve")]
