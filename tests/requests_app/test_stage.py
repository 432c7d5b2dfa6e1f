"""The step of the six-step loop a requirement is in and its next actions (who holds
them), at every checkpoint of a whole loop, including a rejected review and a failed
acceptance with rework: the same on the page (step bar, next-action line, the button for
the one who can act) and in the API (`stage`, `next_actions`)."""

import re

import pytest
from django.urls import reverse

from requests_app.models import Requirement
from requests_app.stage import StageError, Watch, register_watch, requirement_stage
from tests.loop import CHECKPOINTS, walk, walk_to

pytestmark = pytest.mark.django_db

# checkpoint: (step, [(text of each next action, usernames holding it, transition)])
EXPECTED = {
    "filed": ("review", [
        ("等待 协作协调人 签字", ["director"], None),
        ("等待 市场部负责人 签字", ["mkt_head"], None),
        ("等待 设计部负责人 签字", ["dsn_head"], None),
        ("等待 产品部负责人 签字", ["prd_head"], None),
        ("等待 销售部负责人 签字", ["sal_head"], None),
    ]),
    "head_disagrees": ("review", [
        ("等待 协作协调人 签字", ["director"], None),
        ("等待 市场部负责人 签字", ["mkt_head"], None),
        ("等待 设计部负责人 签字", ["dsn_head"], None),
        ("产品部负责人 不同意：预算不清", ["prd_head"], None),
        ("等待 销售部负责人 签字", ["sal_head"], None),
    ]),
    "rejected": ("review", [("需求已驳回，请修改后重新提交", ["mkt_staff"], "resubmit")]),
    "signed": ("review", [("评审签字已齐全，请确认需求", ["director"], "confirm")]),
    "confirmed": ("division", [
        ("指定协作小组组长", ["director"], None),
        ("还缺 设计部、产品部、销售部 接口人", ["director"], None),
        ("分解任务：至少登记一个任务", ["director"], None),  # no leader yet
    ]),
    "liaison_missing": ("division", [
        ("还缺 设计部 接口人", ["director"], None),
        ("分解任务：至少登记一个任务", ["mkt_head"], None),
    ]),
    "group_formed": ("division", [("分解任务：至少登记一个任务", ["mkt_head"], None)]),
    "tasks_ready": ("plans", [("分工与方案已就绪，请开始执行", ["mkt_head"], "start")]),
    "plans_drafted": ("plans", [("2 个方案待提交评审", ["prd_liaison", "mkt_head"], None)]),
    "plans_in_review": ("plans", [(
        "2 个方案待批准（等待 协作小组组长、产品部负责人、设计部负责人、"
        "市场部负责人、销售部负责人 签字）",
        ["mkt_head", "prd_head", "dsn_head", "sal_head"],
        None,
    )]),
    "plans_approved": ("plans", [("分工与方案已就绪，请开始执行", ["mkt_head"], "start")]),
    "started": ("execution", [("2 个任务未完成", ["prd_liaison", "dsn_liaison"], None)]),
    "task_blocked": ("execution", [
        ("任务 2.1 阻塞：品牌规范待确认", ["dsn_liaison"], None),
        ("1 个任务未完成", ["prd_liaison"], None),
    ]),
    "issue_opened": ("risks", [
        ("问题 001 待解决：任务2.1延迟超2天：宣传物料制作", ["dsn_liaison"], None),
    ]),
    "issue_resolved": ("execution", [("1 个任务未完成", ["prd_liaison"], None)]),
    "tasks_done": ("delivery", [("市场部 组织成果验收", ["mkt_staff"], None)]),
    "acceptance_signing": ("delivery", [
        ("等待 市场部负责人 验收签字", ["mkt_head"], None),
        ("等待 产品部负责人 验收签字", ["prd_head"], None),
    ]),
    "acceptance_failed": ("execution", [
        ("验收不通过（宣传册需修改），返工中：1 个任务未完成", ["dsn_liaison"], None),
    ]),
    "rework_done": ("delivery", [
        ("验收不通过（宣传册需修改）：整改后重新发起验收", ["mkt_staff"], None),
    ]),
    "accepted": ("delivery", [("验收已通过、任务均已关闭，请完成需求", ["mkt_head"], "complete")]),
    "completed": ("delivery", [("完成复盘并确认复盘报告", ["mkt_head"], None)]),
    "retrospective_confirmed": ("delivery", [("1 项改进措施未完成", ["dsn_liaison"], None)]),
    "loop_closed": ("delivery", []),
}  # fmt: skip
STEPS = ["review", "division", "plans", "execution", "risks", "delivery"]
BYSTANDERS = ("sal_head", "prd_head", "dsn_head", "mkt_staff")  # may see it, may hold nothing


def next_action_lines(page: str) -> list[str]:
    return re.findall(r'<div class="next-action .*?</div>', page, flags=re.S)


def check_service(requirement, step, actions, users):
    stage = requirement_stage(requirement)
    assert (stage.code, stage.index) == (step, STEPS.index(step))
    assert len(stage.next_actions) == len(actions)
    for action, (text, holders, transition) in zip(stage.next_actions, actions, strict=True):
        assert action.text.startswith(text)
        assert [u.pk for u in action.users] == [users[name].pk for name in holders]
        assert action.action == transition
    return stage


def check_api(api, requirement, step, actions, users):
    body = api.as_user(users["director"]).get(f"/api/v1/requirements/{requirement.pk}/").json()
    assert body["stage"]["code"] == step
    assert body["stage"]["index"] == STEPS.index(step)
    assert body["stage"]["label"]
    assert body["stage"]["done"] == (not actions)
    assert len(body["next_actions"]) == len(actions)
    for data, (text, holders, transition) in zip(body["next_actions"], actions, strict=True):
        assert data["text"].startswith(text)
        assert data["step"] == step
        assert [u["id"] for u in data["who"]["users"]] == [users[n].pk for n in holders]
        assert all(u["display"] for u in data["who"]["users"])
        assert data["action"] == transition
        # The coordinator may also run each of the requirement's transitions.
        assert data["can_act"] == ("director" in holders or transition is not None)


def check_page(client, requirement, step, actions, users):
    url = reverse("requirements:detail", args=[requirement.pk])
    if actions:
        text, holders, transition = actions[0]
        client.force_login(users[holders[0]])
        page = client.get(url).text
        assert f'data-stage="{step}"' in page
        assert f'data-step="{step}" aria-current="step"' in page
        line = next_action_lines(page)[0]
        assert text in line
        if transition:  # the transition's own button, in the line
            assert f'data-transition="{transition}"' in line and "disabled" not in line
        else:
            assert "去处理" in line
    bystander = next(name for name in BYSTANDERS if all(name not in a[1] for a in actions))
    client.force_login(users[bystander])
    page = client.get(url).text
    assert f'data-stage="{step}"' in page
    for line, (text, _holders, _transition) in zip(next_action_lines(page), actions, strict=True):
        assert text in line
        assert "去处理" not in line and "data-transition" not in line


def test_stage_and_next_actions_through_the_whole_loop(org, client, api):
    seen = []
    for checkpoint, ctx in walk(org):
        seen.append(checkpoint)
        step, actions = EXPECTED[checkpoint]
        requirement = Requirement.objects.get(pk=ctx["requirement"].pk)
        stage = check_service(requirement, step, actions, ctx["users"])
        assert stage.done == (checkpoint == "loop_closed")
        check_api(api, requirement, step, actions, ctx["users"])
        check_page(client, requirement, step, actions, ctx["users"])
    assert tuple(seen) == CHECKPOINTS
    # The list endpoint stays lean: no stage per row.
    rows = api.as_user(org["users"]["director"]).get("/api/v1/requirements/").json()["results"]
    assert rows and all("stage" not in row and "next_actions" not in row for row in rows)


def test_step_bar_marks_done_current_and_open_steps(org, client):
    states = {}
    for checkpoint, ctx in walk(org):
        if checkpoint in ("confirmed", "issue_opened", "loop_closed"):
            stage = requirement_stage(Requirement.objects.get(pk=ctx["requirement"].pk))
            states[checkpoint] = [row["state"] for row in stage.steps()]
    assert states["confirmed"] == ["done", "current"] + ["upcoming"] * 4
    # An open issue is the current step; the tasks still open show as pending.
    assert states["issue_opened"] == ["done", "done", "done", "pending", "current", "upcoming"]
    assert states["loop_closed"] == ["done"] * 6


def test_tabs_not_begun_are_muted_with_the_reason(org, client):
    from tests.factories import confirm_requirement, make_requirement

    requirement = make_requirement(org)
    client.force_login(org["users"]["director"])
    url = reverse("requirements:detail", args=[requirement.pk])

    def tabs():
        page = client.get(url).text
        found = re.findall(r'<a class="nav-link[^"]*" data-tab="(\w+)"([^>]*)>', page)
        return {key: "".join(re.findall(r'title="([^"]*)"', attrs)) for key, attrs in found}

    pending = tabs()
    assert pending["overview"] == pending["meetings"] == pending["documents"] == ""
    assert pending["tasks"] == "需求确认后适用（「分工」步骤）"
    assert pending["plans"] == "需求确认后适用（「方案」步骤）"
    assert pending["risks"] == "需求开始执行后适用（「风险与问题」步骤）"
    assert pending["acceptance"] == "需求开始执行后适用（「验收复盘」步骤）"
    assert len(pending) == 12  # muted, not hidden

    confirm_requirement(org, requirement)
    confirmed = tabs()
    assert confirmed["tasks"] == confirmed["plans"] == ""
    assert confirmed["weekly"] == "需求开始执行后适用（「执行」步骤）"


def test_watches_are_registered_at_start_up_only():
    with pytest.raises(StageError):
        register_watch(Watch("late", "risks", ("in_progress",), lambda requirement: []))


# Measured: the requirement's own page and its endpoint while in progress, with an open
# issue, a blocked task, approved plans and a history; the same with three times as many
# tasks, issues and history entries.
DETAIL_PAGE_QUERIES = 20  # with the watch button; open tasks counted, their owners read once
DETAIL_API_QUERIES = 12


def grow(ctx, users, count):
    """More tasks (with collaborators), open issues and history entries."""
    from risks_app.services import risk_create
    from tasks_app.services import task_create, task_update

    requirement, departments = ctx["requirement"], ctx["departments"]
    for index in range(count):
        task = task_create(
            requirement=requirement, actor=users["mkt_head"], name=f"任务{index}",
            owner_department=departments["SAL"], owner=users["sal_liaison"],
            planned_start=requirement.start_date, planned_end=requirement.end_date,
            collaborating_departments=[departments["PRD"]], collaborators=[users["prd_liaison"]],
        )  # fmt: skip
        task_update(task=task, actor=users["mkt_head"], data={"priority": "P0"})
        risk_create(
            requirement=requirement, actor=users["mkt_head"],
            data={"kind": "issue", "description": f"问题{index}", "impact": "high",
                  "owner_department": departments["SAL"], "owner": users["sal_liaison"],
                  "planned_resolution": requirement.end_date},
        )  # fmt: skip


def test_detail_page_and_endpoint_queries_stay_bounded(org, client, api, django_assert_num_queries):
    from requests_app.services import requirement_update

    users = org["users"]
    ctx = walk_to(org, "issue_opened")
    requirement = ctx["requirement"]
    url = reverse("requirements:detail", args=[requirement.pk])
    endpoint = f"/api/v1/requirements/{requirement.pk}/"
    client.force_login(users["director"])
    director = api.as_user(users["director"])
    counts = []
    for _round in range(2):
        client.get(url)  # warm per-process caches
        with django_assert_num_queries(DETAIL_PAGE_QUERIES) as page:
            assert client.get(url).status_code == 200
        with django_assert_num_queries(DETAIL_API_QUERIES) as endpoint_queries:
            assert director.get(endpoint).status_code == 200
        counts.append((len(page), len(endpoint_queries)))
        grow(ctx, users, 6)
        for index in range(6):
            requirement_update(
                requirement=requirement, actor=users["director"], data={"remarks": f"备注{index}"}
            )
    assert counts[0] == counts[1]
