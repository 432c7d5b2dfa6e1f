"""History people can read: every register's page shows each change as field label and
display values (names, labels), one entry per action, with its reason; what a rule did is
credited to 系统 with the rule. The API keeps the stored values and adds labels and
displays beside them. Rendered pages through a whole loop show no raw codes."""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse

from collab.accounts.demo import PEOPLE
from collab.core.history import history_entries
from tests.loop import walk

pytestmark = pytest.mark.django_db

CHANGE_KEYS = {"field", "label", "old", "new", "old_display", "new_display"}
REGISTER_APPS = ("requests_app", "tasks_app", "meetings", "risks_app", "reviews_app", "documents")


class VisibleText(HTMLParser):
    """The text a person sees: text nodes outside script/style, and tooltips."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts.extend(value for name, value in attrs if name == "title" and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def stored_codes() -> set[str]:
    """Every code a register stores in a field with choices (statuses, kinds, roles…)."""
    codes = set()
    for label in REGISTER_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                for value, _label in getattr(field, "flatchoices", None) or ():
                    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]{2,}", value):
                        codes.add(value)
    return codes


def raw_codes_in(text: str, codes: set[str]) -> list[str]:
    found = [c for c in codes if re.search(rf"(?<![A-Za-z_]){c}(?![A-Za-z_])", text)]
    found += re.findall(r"\[\d+(?:, *\d+)*\]", text)  # id lists
    found += re.findall(r"\b[a-z_]{3,}: [^\n]*→", text)  # "field: old → new"
    return found


def history_lines(html: str) -> list[str]:
    """Each history entry of a page as its visible text on one line."""
    card = html.split('id="history"', 1)[1].split("</ul>", 1)[0]
    entries = re.findall(r"<li [^>]*data-history-type[^>]*>(.*?)</li>", card, flags=re.S)
    return [" ".join(visible_text(entry).split()) for entry in entries]


def history_pages(ctx) -> dict[str, str]:
    return {
        "requirement": reverse("requirements:detail", args=[ctx["requirement"].pk]),
        "task": reverse("tasks:detail", args=[ctx["material"].pk]),
        "rework": reverse("tasks:detail", args=[ctx["rework"].pk]),
        "risk": reverse("risks:detail", args=[ctx["issue"].pk]),
        "plan": reverse("tasks:plan_detail", args=[ctx["plan"].pk]),
        "meeting": reverse("meetings:detail", args=[ctx["meeting"].pk]),
        "acceptance": reverse("reviews:acceptance", args=[ctx["requirement"].pk]),
        "retrospective": reverse("reviews:retrospective", args=[ctx["requirement"].pk]),
    }


def history_endpoints(ctx) -> dict[str, str]:
    return {
        "requirement": f"/api/v1/requirements/{ctx['requirement'].pk}/history/",
        "task": f"/api/v1/tasks/{ctx['material'].pk}/history/",
        "risk": f"/api/v1/risks/{ctx['issue'].pk}/history/",
        "plan": f"/api/v1/plans/{ctx['plan'].pk}/history/",
        "meeting": f"/api/v1/meetings/{ctx['meeting'].pk}/history/",
        "acceptance": f"/api/v1/reviews/acceptances/{ctx['acceptance'].pk}/history/",
        "retrospective": f"/api/v1/reviews/retrospectives/{ctx['retrospective'].pk}/history/",
    }


def walk_with_edits(org):
    """The whole loop, plus an edit of task 2.1's collaborators while it is planned."""
    from tasks_app.services import task_update

    users, departments = org["users"], org["departments"]
    for checkpoint, ctx in walk(org):
        if checkpoint == "tasks_ready":
            task_update(
                task=ctx["material"],
                actor=users["mkt_head"],
                data={
                    "collaborating_departments": [departments["PRD"]],
                    "collaborators": [users["prd_liaison"]],
                },
                reason="产品部协助",
            )
        yield checkpoint, ctx


NAME = {username: display for username, _dept, display, *_rest in PEOPLE}
EXPECTED_LINES = {
    "requirement": [
        f"{NAME['director']} · 补充预算明细 需求状态：待评审 → 已驳回",
        f"{NAME['mkt_head']} · 协作完成 需求状态：执行中 → 已完成",
    ],
    "task": [
        # One entry; its changed fields in any order.
        (
            f"{NAME['mkt_head']} · 产品部协助",
            "协作部门：— → 产品部",
            f"协作人：— → {NAME['prd_liaison']}",
        ),
        f"{NAME['dsn_liaison']} · 品牌规范待确认 当前状态：进行中 → 阻塞 "
        "阻塞原因：— → 品牌规范待确认",
        f"{NAME['dsn_liaison']} · 解除阻塞 当前状态：阻塞 → 进行中 阻塞原因：品牌规范待确认 → —",
    ],
    "rework": [f"{NAME['mkt_head']} · 验收不通过，返工：宣传册需修改"],
    "risk": [
        "系统 · 任务延期超过2天自动登记问题",
        f"{NAME['dsn_liaison']} · 问题已解决 实际解决时间：— → ",
    ],
    "plan": [
        f"{NAME['prd_liaison']} · 提交评审 方案状态：草稿 → 评审中",
        f"{NAME['mkt_head']} · 方案批准 方案状态：评审中 → 已批准",
    ],
    "meeting": ["系统 · 任务延期超过2天自动安排专题会"],
    "acceptance": [f"{NAME['mkt_staff']} · 验收通过 验收状态：签字中 → 验收通过"],
    "retrospective": [f"{NAME['mkt_head']} · 确认复盘报告 复盘状态：草稿 → 已确认"],
}


@pytest.fixture
def finished(org):
    """The context of a whole loop walked to its end."""
    *_steps, (_checkpoint, ctx) = walk_with_edits(org)
    return ctx


def test_every_register_shows_readable_history_one_entry_per_action(org, finished, client):
    ctx = finished
    client.force_login(org["users"]["director"])
    lines = {key: history_lines(client.get(url).text) for key, url in history_pages(ctx).items()}
    for key, expected in EXPECTED_LINES.items():
        for line in expected:
            parts = line if isinstance(line, tuple) else (line,)
            assert any(all(part in entry for part in parts) for entry in lines[key]), (key, line)
    # One entry per action: filing a task with its collaborators, drafting a meeting with
    # its attendees, opening an acceptance with its group are one entry each.
    assert len(lines["rework"]) == 3  # created (with the reason), started, finished
    assert len(lines["meeting"]) == 1
    assert [e for e in lines["task"] if "分解任务" in e] == [lines["task"][-1]]
    assert lines["task"][-1].endswith(f"{NAME['mkt_head']} · 分解任务")  # no field list on creation
    # Rule actions name no person.
    rule_entries = [e for e in lines["risk"] + lines["meeting"] if "自动" in e]
    assert rule_entries and all(NAME["mkt_head"] not in e for e in rule_entries)


def test_api_history_keeps_codes_and_adds_labels(org, finished, api, django_assert_max_num_queries):
    from tasks_app.models import Task

    ctx = finished
    client = api.as_user(org["users"]["director"])
    bodies = {key: client.get(url).json() for key, url in history_endpoints(ctx).items()}
    for key, entries in bodies.items():
        assert entries, key
        for entry in entries:
            assert entry["actor_display"]
            for change in entry["changes"]:
                assert set(change) == CHANGE_KEYS, key
    task_history = bodies["task"]
    collaborators = next(
        c for e in task_history for c in e["changes"] if c["field"] == "collaborators"
    )
    assert collaborators["old"] == [] and collaborators["new"] == [org["users"]["prd_liaison"].pk]
    assert (collaborators["label"], collaborators["new_display"]) == (
        "协作人",
        org["users"]["prd_liaison"].label,
    )
    status = next(c for c in task_history[0]["changes"] if c["field"] == "status")
    assert (status["old"], status["new"]) == ("in_progress", "done")
    assert (status["old_display"], status["new_display"]) == ("进行中", "已完成")
    opened = bodies["risk"][-1]
    assert opened["history_type"] == "created"
    assert opened["history_user"] is None and opened["history_user_id"] is None
    assert (opened["actor_display"], opened["reason"]) == ("系统", "任务延期超过2天自动登记问题")
    assert [e["history_type"] for e in bodies["meeting"]] == ["created"]
    assert bodies["meeting"][0]["actor_display"] == "系统"
    # Bounded reads: one query for the entries, one per many-to-many field, one per
    # related model named in the changes, however long the history.
    task = Task.objects.get(pk=ctx["material"].pk)
    with django_assert_max_num_queries(6):
        assert len(history_entries(task)) == len(task_history) >= 6


# Checkpoints where every tab is scanned: one per step with something on each tab
# (the requirement's own page is scanned at every checkpoint).
ALL_TABS_AT = (
    "head_disagrees",
    "plans_in_review",
    "issue_opened",
    "acceptance_failed",
    "loop_closed",
)


def test_pages_show_no_raw_codes_through_the_loop(org, client):
    """The requirement's pages through the loop, and every page with a history at the
    end: no stored code, id list or raw field change in the visible text."""
    from requests_app.tabs import TABS

    codes = stored_codes()
    assert {"in_progress", "pending_review", "blocked", "issue", "special"} <= codes
    client.force_login(org["users"]["director"])
    for checkpoint, ctx in walk_with_edits(org):
        pk = ctx["requirement"].pk
        tabs = TABS if checkpoint in ALL_TABS_AT else TABS[:1]
        for tab in tabs:
            html = client.get(reverse(tab.url_name, args=[pk])).text
            assert raw_codes_in(visible_text(html), codes) == [], (checkpoint, tab.key)
    for key, url in history_pages(ctx).items():
        text = visible_text(client.get(url).text)
        assert "变更历史" in text or "验收变更历史" in text, key
        assert raw_codes_in(text, codes) == [], key
