"""Every page reachable from the navigation, as a coordinator, a liaison and a partner,
at 1440×900 and 390×844 (the phone passes in the DingTalk and Feishu in-app browsers),
in Chinese and in English: no sideways scrolling, no console error, no failed request,
every form control labelled, every badge readable (contrast ≥ 4.5 from the computed
styles) and no raw status or kind code in the text. Screenshots go to var/screenshots/
(kept by CI as artifacts)."""

import datetime
from pathlib import Path

import pytest

from tests.e2e.ui_sweep import (
    DESKTOP,
    DINGTALK_UA,
    FEISHU_UA,
    PHONE,
    Sweep,
    discover,
    log_in,
    set_language,
    slug,
)
from tests.factories import confirm_requirement, form_group, make_requirement

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PEOPLE = {"coordinator": "director", "liaison": "prd_liaison", "partner": "cha_contact"}
# (name, viewport, language, user agent); the first pass finds the pages.
PASSES = [
    ("desktop-zh", DESKTOP, "zh-hans", None),
    ("phone-zh-dingtalk", PHONE, "zh-hans", DINGTALK_UA),
    ("desktop-en", DESKTOP, "en", None),
    ("phone-en-feishu", PHONE, "en", FEISHU_UA),
]
PAGE_LIMIT = 28


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def running(seed):
    """Besides the seed's completed example, a requirement in progress: the liaison has
    a late task to update and risks to enter, the coordinator has work in flight."""
    from requests_app.services import requirement_start
    from risks_app.services import risk_create
    from tasks_app.services import task_create, task_start

    users, departments = seed["users"], seed["departments"]
    requirement = make_requirement(seed, topic="渠道新品联合推广")
    form_group(seed, requirement)
    requirement = confirm_requirement(seed, requirement)
    today = datetime.date.today()
    late = task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        code="1",
        name="渠道物料清单",
        owner_department=departments["PRD"],
        owner=users["prd_liaison"],
        planned_start=today - datetime.timedelta(days=10),
        planned_end=today - datetime.timedelta(days=3),
        priority="P0",
        deliverable="物料清单",
        collaborating_departments=[departments["CHA"]],
        collaborators=[users["cha_contact"]],
    )
    task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        code="2",
        name="渠道培训",
        owner_department=departments["CHA"],
        owner=users["cha_contact"],
        planned_start=today,
        planned_end=today + datetime.timedelta(days=7),
        priority="P2",
        deliverable="培训记录",
    )
    requirement = requirement_start(requirement=requirement, actor=users["mkt_head"])
    task_start(task=late, actor=users["prd_liaison"])
    risk_create(
        requirement=requirement,
        actor=users["prd_liaison"],
        data={
            "kind": "risk",
            "description": "渠道备货不足",
            "impact": "high",
            "owner_department": departments["PRD"],
            "owner": users["prd_liaison"],
            "planned_resolution": today + datetime.timedelta(days=5),
        },
    )
    return requirement


def sweep_as(browser, base_url: str, role: str) -> tuple[list[str], list[str]]:
    """The pages one person reaches and the problems found on them in every pass."""
    state = log_in(browser, base_url, PEOPLE[role], "collab-demo")
    problems, pages = [], None
    for name, viewport, language, agent in PASSES:
        options = {"viewport": viewport}
        if viewport is PHONE:
            options.update(is_mobile=True, has_touch=True, user_agent=agent)
        context = browser.new_context(
            base_url=base_url, storage_state=state, locale="zh-CN", **options
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/")
        set_language(context, language)
        sweep = Sweep(f"{role} {name}", screenshots=SCREENSHOTS)
        events = sweep.watch(page)
        if pages is None:
            pages = discover(page, events, sweep, base_url, PAGE_LIMIT, shots=f"{role}-{name}")
        else:
            for url in pages:
                sweep.visit(page, events, url, shot=f"{role}-{name}-{slug(url)}")
        # The pass really ran in its language (the switch took).
        assert page.locator("html").get_attribute("lang") == language
        problems.extend(sweep.problems)
        context.close()
    return pages, problems


def test_every_page_reads_well_everywhere(browser, live_server, running):
    problems = []
    for role in PEOPLE:
        pages, found = sweep_as(browser, live_server.url, role)
        # The navigation leads each role to its daily pages.
        assert {"/", "/notifications/", "/tasks/", "/risks/"} <= set(pages), (role, pages)
        if role != "partner":
            assert any("/new/" in url for url in pages), (role, pages)
        problems.extend(found)
    assert not problems, "\n".join(problems[:60])
