"""Step 6 in a real browser: a running requirement goes through acceptance (criteria,
judgement, quality rating, sign-offs) to 已完成, then its retrospective is confirmed."""

import pytest
from django.utils import timezone

from tests.factories import confirm_requirement, form_group, make_requirement


@pytest.fixture
def running(db):
    from collab.accounts.demo import load
    from tests.reviews_app.conftest import start_with_task

    org: dict = {}
    load(org)
    requirement = make_requirement(org, departments=("PRD", "SAL"))
    form_group(org, requirement)
    confirm_requirement(org, requirement)
    requirement, _task = start_with_task(org, requirement)
    return org, requirement


def test_acceptance_to_completed_and_confirmed_retrospective(running, page, login, artifact_path):
    org, requirement = running
    mkt, prd = org["departments"]["MKT"], org["departments"]["PRD"]
    today = timezone.localdate().isoformat()
    acceptance_url = f"/reviews/requirements/{requirement.pk}/acceptance/"

    # The initiator writes the criteria and runs the acceptance.
    login("mkt_staff")
    page.goto(f"/requirements/{requirement.pk}/")
    page.click('a[data-tab="acceptance"]')
    page.fill("#criterion-add input[name=text]", "活动方案包含完整执行流程、预算明细、风险预案")
    page.click("#criterion-add button")
    page.wait_for_selector("#criteria li[data-criterion]")
    page.fill("#acceptance-start input[name=accepted_on]", today)
    page.check(f'#acceptance-start input[name=departments][value="{prd.pk}"]')
    page.click("#start-acceptance")
    page.wait_for_selector("#acceptance[data-status=draft]")
    assert "《推广活动方案V1.0》" in page.inner_text("#deliverables")
    page.select_option("#results select[name=passed]", "1")
    page.fill("#results input[name=comment]", "流程、预算、预案齐全")
    page.click("#results button")
    page.select_option("#acceptance-form select[name=quality_rating]", "excellent")
    page.fill("#acceptance-form textarea[name=quality_comment]", "方案执行到位,数据完整")
    page.click("#save-acceptance")
    page.click('button[data-transition="submit"]')
    page.wait_for_selector("#acceptance[data-status=signing]")

    # The heads of the initiating department and of the acceptance group sign.
    for username, department in (("mkt_head", mkt), ("prd_head", prd)):
        login(username)
        page.goto(acceptance_url)
        page.click(f'#signoffs li[data-slot="{department.pk}"] button[value=approve]')
        page.wait_for_selector(f'#signoffs li[data-slot="{department.pk}"] .bg-success')

    login("mkt_staff")
    page.goto(acceptance_url)
    page.click('button[data-transition="accept"]')
    page.wait_for_selector("#acceptance[data-status=passed]")

    # The leader completes the requirement: the group is dissolved.
    login("mkt_head")
    page.goto(acceptance_url)
    page.click('#complete button[data-transition="complete"]')
    page.wait_for_selector("#requirement-status")
    page.goto(acceptance_url)
    assert page.inner_text("#requirement-status") == "已完成"
    assert "协作小组已解散" in page.inner_text("#group-dissolved")

    # Retrospective within a week: deadline shown, metrics, findings, confirmation.
    page.click('a[data-tab="retrospective"]')
    assert "复盘截止日期" in page.inner_text("#retrospective-deadline")
    page.fill("#retrospective-meta input[name=held_on]", today)
    page.click("#save-retrospective")
    for name, unit, target, actual in (
        ("销售额", "万元", "500", "520"),
        ("用户参与量", "万人次", "12", "15"),
    ):
        page.fill("#metric-add input[name=name]", name)
        page.fill("#metric-add input[name=unit]", unit)
        page.fill("#metric-add input[name=target]", target)
        page.fill("#metric-add input[name=actual]", actual)
        page.click("#metric-add button")
        page.wait_for_selector(f'#metrics tr[data-metric="{name}"]')
    assert page.inner_text('#metrics tr[data-metric="销售额"] .metric-phrase') == "超额4%"
    assert page.inner_text('#metrics tr[data-metric="用户参与量"] .metric-rate') == "125%"
    page.select_option("#finding-add select[name=kind]", "highlight")
    page.fill("#finding-add input[name=text]", "跨部门周例会机制高效,信息同步及时")
    page.click("#finding-add button")
    page.wait_for_selector("#highlights li >> text=跨部门周例会机制高效")
    page.fill("#improvement-add input[name=action]", "建立数据日报机制,指定技术部专人负责监测")
    page.select_option("#improvement-add select[name=owner]", str(org["users"]["tec_staff"].pk))
    page.fill("#improvement-add input[name=due_date]", today)
    page.click("#improvement-add button")
    page.wait_for_selector("#improvements tr[data-action]")
    page.click('button[data-transition="confirm"]')
    page.wait_for_selector("#read-receipts")
    assert page.inner_text("#retrospective-status") == "已确认"
    page.screenshot(path=artifact_path("reviews-retrospective-confirmed.png"), full_page=True)

    # Every department head was told; one opens the printable report.
    login("tec_head")
    page.goto("/notifications/")
    assert "复盘报告已发布" in page.inner_text("#notifications")
    page.goto(f"/reviews/requirements/{requirement.pk}/report/")
    assert "超额25%" in page.inner_text("#report-metrics")
    page.screenshot(path=artifact_path("reviews-report.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.is_visible("nav") and not page.is_visible("#print-report")
    page.screenshot(path=artifact_path("reviews-report-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # Filing a new requirement involving 技术部 shows its open improvement action.
    login("mkt_staff")
    page.goto("/requirements/new/")
    tec = org["departments"]["TEC"].pk
    page.check(f'#departments-choices input[value="{tec}"]')
    page.wait_for_selector("#hint-actions")
    assert "建立数据日报机制" in page.inner_text("#lessons-hint")
