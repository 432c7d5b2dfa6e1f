"""One loop in real Chromium as three people — the initiator (mkt_staff), a department head
(prd_head) and the leader (mkt_head) — each in their own browser, checking after
every step what their inbox says and what their workbench asks of them. The heads sign
and the leader confirms the retrospective on the pages; the other steps go through the
services, as another person would do them."""

import datetime
import re

import pytest

from tests.factories import form_group, make_requirement

pytestmark = pytest.mark.slow

PEOPLE = {"initiator": "mkt_staff", "head": "prd_head", "leader": "mkt_head"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(browser, live_server, org):
    """A logged-in browser page per person."""
    pages, contexts = {}, []
    for role, username in PEOPLE.items():
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "collab-demo")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        pages[role] = page
    yield pages
    for context in contexts:
        context.close()


RAW_CODE = re.compile(r"(?<![A-Za-z0-9_])[a-z]+_[a-z_]+(?![A-Za-z0-9_])")


def inbox(page) -> dict[str, str]:
    """kind -> 'open' / 'done' / 'info' of the newest notice of each kind; the page
    never shows a raw code."""
    page.goto("/notifications/")
    found: dict[str, str] = {}
    for row in page.locator("#notifications li[data-kind]").all():
        kind = row.get_attribute("data-kind")
        done = row.get_attribute("data-done")
        found.setdefault(kind, {"1": "done", "0": "open"}.get(done or "", "info"))
    text = page.inner_text("main")
    assert not RAW_CODE.search(text), text
    return found


def workbench(page) -> list[str]:
    page.goto("/")
    return [row.get_attribute("data-kind") for row in page.locator("#my-todos li[data-kind]").all()]


def check(people, expected: dict[str, tuple[dict, list]]) -> None:
    for role, (notices, todos) in expected.items():
        page = people[role]
        shown = inbox(page)
        for kind, state in notices.items():
            assert shown.get(kind) == state, (role, kind, shown)
        assert sorted(workbench(page)) == sorted(todos), role


def sign(page, url: str, slot: str) -> None:
    page.goto(url)
    item = page.locator(f"#signoffs li[data-slot='{slot}']")
    item.locator("button[value=approve]").click()
    item.locator(".badge", has_text="已同意").wait_for()


def test_three_people_follow_one_loop_in_their_inboxes_and_workbenches(people, org):
    from django.utils import timezone

    from requests_app.selectors import review_slots
    from requests_app.services import requirement_confirm, requirement_sign, requirement_start
    from reviews_app.acceptance.services import (
        acceptance_accept,
        acceptance_create,
        acceptance_judge,
        acceptance_sign,
        acceptance_submit,
        criterion_add,
    )
    from tasks_app.services import task_block, task_create, task_finish, task_start, task_unblock

    users, departments = org["users"], org["departments"]
    prd = str(departments["PRD"].pk)
    today = timezone.localdate()

    # 1. The initiator files: the head and the leader (as head of 市场部) must sign.
    requirement = make_requirement(org, departments=("PRD", "SAL"))
    check(
        people,
        {
            "initiator": ({}, []),
            "head": ({"requirement_filed": "open"}, ["review_signoff"]),
            "leader": ({"requirement_filed": "open"}, ["review_signoff"]),
        },
    )

    # 2. The head signs on the page: their to-do is gone, the notice is done, the
    #    initiator hears of it.
    sign(people["head"], f"/requirements/{requirement.pk}/", prd)
    check(
        people,
        {
            "initiator": ({"review_signed": "info"}, []),
            "head": ({"requirement_filed": "done"}, []),
            "leader": ({"requirement_filed": "open"}, ["review_signoff"]),
        },
    )

    # 3. Everyone else signs, the coordinator confirms and forms the group.
    for slot in review_slots(requirement):
        if slot.signers[0] != users["prd_head"]:
            requirement_sign(
                requirement=requirement,
                actor=slot.signers[0],
                decision="approve",
                department=slot.department,
            )
    requirement = requirement_confirm(requirement=requirement, actor=users["director"])
    form_group(org, requirement)
    check(
        people,
        {
            "initiator": ({"requirement_confirmed": "info", "member_added": "info"}, []),
            "head": ({}, []),
            "leader": ({"requirement_filed": "done", "member_added": "info"}, []),
        },
    )

    # 4. The leader gives the head a task and starts; the head blocks it.
    task = task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        name="产品卖点梳理",
        owner_department=departments["PRD"],
        owner=users["prd_head"],
        planned_start=today,
        planned_end=today + datetime.timedelta(days=30),
        deliverable="卖点清单",
    )
    requirement_start(requirement=requirement, actor=users["mkt_head"])
    task = task_start(task=task, actor=users["prd_head"])
    task_block(task=task, actor=users["prd_head"], reason="等待样品")
    check(
        people,
        {
            "initiator": ({"task_assigned": "info", "task_blocked": "info"}, []),
            "head": ({"task_assigned": "open"}, ["task"]),
            "leader": ({"task_blocked": "info"}, []),
        },
    )

    # 5. The task is finished; the initiator asks the heads to sign the acceptance.
    task = task_unblock(task=task, actor=users["mkt_head"])
    task_finish(task=task, actor=users["prd_head"])
    initiator = users["mkt_staff"]
    criterion_add(requirement=requirement, actor=initiator, text="卖点清单已评审")
    acceptance = acceptance_create(
        requirement=requirement,
        actor=initiator,
        accepted_on=today,
        departments=[departments["PRD"]],
        quality_rating="good",
    )
    for result in acceptance.results.all():
        acceptance_judge(acceptance=acceptance, actor=initiator, result=result, passed=True)
    acceptance = acceptance_submit(acceptance=acceptance, actor=initiator)
    check(
        people,
        {
            "initiator": ({"task_finished": "info"}, []),
            "head": (
                {"task_assigned": "done", "acceptance_signoff": "open"},
                ["acceptance_signoff"],
            ),
            "leader": ({"acceptance_signoff": "open"}, ["acceptance_signoff"]),
        },
    )

    # 6. The head signs the acceptance on its page; the leader signs, it passes: the
    #    retrospective is the leader's to do.
    sign(people["head"], f"/reviews/requirements/{requirement.pk}/acceptance/", prd)
    acceptance_sign(
        acceptance=acceptance,
        actor=users["mkt_head"],
        decision="approve",
        department=departments["MKT"],
    )
    acceptance = acceptance_accept(acceptance=acceptance, actor=initiator)
    check(
        people,
        {
            "initiator": ({}, []),  # they accepted it themselves
            "head": ({"acceptance_signoff": "done"}, []),
            "leader": ({"retrospective_due": "open"}, ["retrospective"]),
        },
    )

    # 7. The leader fills and confirms the retrospective on its page: the reminder is
    #    withdrawn, the heads get the report.
    from reviews_app.retrospective import services as retro

    retrospective = acceptance.retrospective
    retro.retrospective_update(
        retrospective=retrospective,
        actor=users["mkt_head"],
        data={"held_on": today, "reviewer": initiator},
    )
    retro.finding_add(
        retrospective=retrospective, actor=users["mkt_head"], kind="highlight", text="协作顺畅"
    )
    retro.metric_add(
        retrospective=retrospective,
        actor=users["mkt_head"],
        data={"name": "卖点数", "unit": "个", "target": "10", "actual": "12"},
    )
    leader = people["leader"]
    leader.goto(f"/reviews/requirements/{requirement.pk}/retrospective/")
    leader.click("button[data-transition=confirm]")
    leader.wait_for_load_state()
    check(
        people,
        {
            "initiator": ({"retrospective_shared": "info"}, []),
            "head": ({"retrospective_shared": "info"}, []),
            "leader": ({"retrospective_due": "done"}, []),
        },
    )
    assert "前完成复盘" not in leader.inner_text("main")
