"""English on a 1280 px laptop screen: the navigation stays on one line, no link or
button label breaks over two lines, nothing scrolls sideways, the Gantt's month labels
are English."""

import pytest

from tests.e2e.ui_sweep import log_in, set_language
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1280, "height": 800}

# Labels (navigation, buttons, tabs, table headers) that take more than one line.
WRAPPED = r"""
() => {
  const wrapped = [];
  const selector = "#main-navbar .nav-link, #main-navbar .navbar-brand, .btn, "
    + "#requirement-tabs .nav-link, thead th";
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) { continue; }
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const borders = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
    if (r.height - padding - borders > line * 1.5) { wrapped.push(el.innerText.trim()); }
  }
  return wrapped;
}
"""


@pytest.fixture
def requirement(org):
    from requests_app.services import requirement_start
    from tasks_app.services import task_create

    users, departments = org["users"], org["departments"]
    requirement = make_requirement(org)
    form_group(org, requirement)
    requirement = confirm_requirement(org, requirement)
    task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        code="1",
        name="活动方案设计",
        owner_department=departments["PRD"],
        owner=users["prd_liaison"],
        planned_start=requirement.start_date,
        planned_end=requirement.end_date,
    )
    return requirement_start(requirement=requirement, actor=users["mkt_head"])


@pytest.mark.parametrize("username", ["director", "prd_liaison"])
def test_english_fits_a_laptop_screen(browser, live_server, requirement, username):
    state = log_in(browser, live_server.url, username, "collab-demo")
    context = browser.new_context(
        base_url=live_server.url, storage_state=state, viewport=LAPTOP, locale="en-US"
    )
    page = context.new_page()
    page.goto("/")
    set_language(context, "en")
    pages = [
        "/",
        "/requirements/",
        f"/requirements/{requirement.pk}/",
        f"/tasks/requirement/{requirement.pk}/",
        f"/tasks/requirement/{requirement.pk}/gantt/",
        f"/risks/requirement/{requirement.pk}/",
        f"/meetings/requirement/{requirement.pk}/",
        "/notifications/",
    ]
    if username == "director":
        pages.append("/cockpit/")
    for url in pages:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "en"
        # One line of navigation: the bar is as tall as its brand row.
        bar = page.locator("#main-navbar").bounding_box()
        assert bar["height"] <= 64, (url, bar["height"])
        assert page.evaluate(WRAPPED) == [], url
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
        if url.endswith("/gantt/"):
            page.wait_for_selector("#gantt .bar-wrapper")
            labels = page.text_content("#gantt")
            assert "月" not in labels and any(m in labels for m in ("Nov", "Dec", "Jan")), labels
    context.close()
