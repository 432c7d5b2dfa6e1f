"""After a signature that leaves others to sign, the requirement's 下一步 panel says
whose turn it is now without a reload."""

import pytest

from tests.factories import make_requirement

pytestmark = pytest.mark.slow


def test_next_steps_follow_a_signature_in_place(page, login, org, artifact_path):
    requirement = make_requirement(org)
    head = org["users"]["prd_head"]
    prd = org["departments"]["PRD"]
    login("prd_head")
    page.goto(f"/requirements/{requirement.pk}/")
    page.evaluate("window.stayedOnPage = true")
    mine = page.locator("#next-actions .next-action-mine")
    assert mine.count() == 1
    assert head.label in page.inner_text("#next-actions")

    slot = page.locator(f"#signoffs li[data-slot='{prd.pk}']")
    slot.locator("button[value=approve]").click()
    slot.locator(".badge", has_text="已同意").wait_for()
    # The panel reloads itself: nothing left for this head, the others still to sign.
    mine.first.wait_for(state="detached")
    panel = page.inner_text("#next-actions")
    assert head.label not in panel
    assert org["users"]["mkt_head"].label in panel
    assert page.evaluate("window.stayedOnPage === true")
    page.screenshot(path=artifact_path("sign-next-steps.png"), full_page=True)
