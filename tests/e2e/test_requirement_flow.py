"""Step 1 of the loop in real Chromium: the initiator files a requirement, every required
head and the coordinator sign on the detail page, the coordinator confirms."""

import re

import pytest

from requests_app.models import Requirement, RequirementStatus


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_file_sign_and_confirm_a_requirement(page, login, org, artifact_path):
    departments = org["departments"]

    # The initiator files the requirement through the template-1 form.
    login("mkt_staff")
    page.goto("/requirements/")
    page.click("#new-requirement")
    page.fill("#id_topic", "2026年Q4新品上市推广")
    page.fill("#id_goal", "3个月内实现新品销售额500万元")
    page.check(f"#departments-choices input[value='{departments['PRD'].pk}']")
    page.check(f"#departments-choices input[value='{departments['SAL'].pk}']")
    page.check(f"#departments-choices input[value='{departments['CHA'].pk}']")
    page.fill("#id_expected_outcomes", "活动方案、宣传物料、销售数据报告")
    page.fill("#id_start_date", "2026-10-15")
    page.fill("#id_end_date", "2026-12-31")
    page.fill("#id_resources", "预算20万元,设计师2名")
    page.select_option("#id_priority", "P0")
    page.select_option("#id_coordinator", str(org["users"]["director"].pk))
    page.click("#submit-requirement")
    page.wait_for_url(re.compile(r"/requirements/\d+/$"))
    assert page.inner_text("#requirement-status") == "待评审"
    assert "已提交，等待评审" in page.inner_text("main")
    detail_url = page.url
    requirement = Requirement.objects.get(topic="2026年Q4新品上市推广")
    assert {d.code for d in requirement.departments.all()} == {"PRD", "SAL", "CHA"}

    # The initiator has no buttons; the panel shows who still has to sign.
    assert page.locator("[data-transition]").count() == 0
    assert page.locator("#signoffs .badge", has_text="待签字").count() == 4

    # Each head signs their own slot; the coordinator signs the coordinator slot.
    signers = [
        ("mkt_head", str(departments["MKT"].pk)),
        ("prd_head", str(departments["PRD"].pk)),
        ("sal_head", str(departments["SAL"].pk)),
        ("director", "coordinator"),
    ]
    for username, slot in signers:
        login(username)
        page.goto(detail_url)
        slot_item = page.locator(f"#signoffs li[data-slot='{slot}']")
        assert slot_item.locator("button[value=approve]").count() == 1
        # Nobody gets a sign button on someone else's slot.
        assert page.locator("#signoffs button[value=approve]").count() == 1
        slot_item.locator("input[name=comment]").fill("同意")
        slot_item.locator("button[value=approve]").click()
        # The slot collapses to its result in place (the last one reloads the page).
        slot_item.locator(".badge", has_text="已同意").wait_for()
        assert "已签字" in page.inner_text("main")
        assert slot_item.locator(".badge", has_text="已同意").count() == 1

    # The coordinator confirms; the page shows 已确认.
    assert page.locator("#signoffs .badge", has_text="已同意").count() == 4
    assert "评审签字已齐全，请确认需求" in page.inner_text("#next-actions")
    assert page.locator("#next-actions button[data-transition=confirm]").is_enabled()
    confirm = page.locator("#transitions button[data-transition=confirm]")
    assert confirm.is_enabled()
    confirm.click()
    page.wait_for_load_state()
    assert page.inner_text("#requirement-status") == "已确认"
    # The step bar moves on to 分工, and says who forms the group.
    assert "分工" in page.inner_text("#requirement-stage [aria-current=step]")
    assert "指定协作小组组长" in page.inner_text("#next-actions")
    assert "操作成功，当前状态：已确认" in page.inner_text("main")
    page.screenshot(path=artifact_path("requirement_confirmed.png"), full_page=True)

    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.CONFIRMED
    assert requirement.history.order_by("-history_id").first().history_user.username == "director"
