"""Template 4 as the seed's form (a field and its value on each line): the demo's
acceptance and retrospective exported in the seed's own wording and read back as no
change; a form typed the seed's way applied exactly; the wording checked."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from collab.spreadsheets.registry import get_sheet
from reviews_app.acceptance.services import criterion_add
from reviews_app.models import Acceptance, Finding, ImprovementAction, Metric, Retrospective
from tests.spreadsheets.helpers import (
    NAME,
    REVIEW_FORM_LABELS,
    edit_form,
    form_bytes,
    form_fields,
    import_and_confirm,
    import_into,
    response_bytes,
)
from tests.spreadsheets.test_risks_review import (  # noqa: F401
    REVIEW_HEADERS,
    SEED_REVIEW_ROW,
    running,
)
from tests.spreadsheets.test_roundtrip import _pass_acceptance

pytestmark = pytest.mark.django_db
D = datetime.date
TITLE = "成果验收与复盘表"
SEED_METRICS = "销售额520万元(目标500万元,超额4%)\n用户参与量15万人次(目标12万人次,超额25%)"
SEED_HIGHLIGHTS = "1.跨部门周例会机制高效,信息同步及时\n2.风险预案完善,场地问题2小时内解决"
SEED_PROBLEMS = "1.数据监测反馈延迟,影响实时决策\n2.部分物料制作周期紧张,设计修改耗时较长"


def export_review(api, user, requirement) -> bytes:
    api.as_user(user)
    response = api.get("/api/v1/review/export.xlsx", {"requirement": requirement.pk})
    assert response.status_code == 200
    return response_bytes(response)


def test_the_demo_review_in_the_seeds_wording_reads_back_unchanged(seed, api):
    requirement, users = seed["requirement"], seed["users"]
    data = export_review(api, users["director"], requirement)
    sheet = load_workbook(io.BytesIO(data))[TITLE]
    assert sheet["A1"].value == "成果验收与复盘表（2024-MKT-001）"
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == REVIEW_FORM_LABELS
    fields = form_fields(data, TITLE)
    assert fields["项目名称"] == "2024年Q3新品上市推广"
    assert fields["验收日期"] == datetime.datetime(2024, 10, 10)
    assert fields["验收小组"] == "市场部、产品部、销售部"
    assert fields["目标达成情况"] == SEED_METRICS
    assert (
        fields["交付成果清单"] == "1.《推广活动总结报告》\n2.《销售数据统计表》\n3.用户反馈分析报告"
    )
    assert fields["成果质量评价"] == "优秀(方案执行到位,数据完整)"
    assert fields["协作亮点"] == SEED_HIGHLIGHTS
    assert fields["存在问题"] == SEED_PROBLEMS
    assert fields["改进措施"] == (
        "1.建立“数据日报机制”,指定技术部*专人负责监测"
        f"（负责：技术部/{users['tec_staff'].label}；期限：2024-10-31）\n"
        "2.提前3天启动物料设计,预留1天修改缓冲期"
        f"（负责：设计部/{users['dsn_liaison'].label}；期限：2024-11-15）"
    )
    assert fields["复盘人"] == users["mkt_staff"].label
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.column_dimensions["B"].width >= 80
    # Every line of a list shows when printed: the row is as tall as its lines.
    metrics_row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == "交付成果清单")
    assert sheet.row_dimensions[metrics_row].height >= 3 * 14

    history = (
        Acceptance.history.count(),
        Metric.history.count(),
        Finding.history.count(),
        ImprovementAction.history.count(),
    )
    preview = import_into(api, users["mkt_head"], requirement, "review", data).data
    assert preview["file_errors"] == [] and preview["from_export"] is True
    assert [(r["action"], r["changes"], r["errors"], r["warnings"]) for r in preview["rows"]] == [
        ("unchanged", [], [], [])
    ]
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 200
    assert history == (
        Acceptance.history.count(),
        Metric.history.count(),
        Finding.history.count(),
        ImprovementAction.history.count(),
    )


def _seed_form(**changes):
    """Template 4 typed the seed's way: label | value pairs, the second metric on its
    own line under a merged label, the deliverables numbered on one line."""
    values = {
        "项目名称": "2024年Q3新品上市推广活动",
        "验收日期": "2024-10-10",
        "发起部门": "市场部",
        "验收小组": "市场部、销售部、产品部*",
        "目标达成情况": "销售额520万元(目标500万元,超额4%)",
        "交付成果清单": "1.《推广活动总结报告》2.《销售数据统计表》3.用户反馈分析报告",
        "成果质量评价": "优秀(方案执行到位,数据完整)",
        "协作亮点": SEED_HIGHLIGHTS,
        "存在问题": SEED_PROBLEMS,
        "改进措施": "1.建立“数据日报机制”,指定技术部*专人负责监测\n"
        "2.提前3天启动物料设计,预留1天修改缓冲期",
        "复盘人": NAME["mkt_staff"],
        "复核确认": "各部门负责人签字",
    }
    values.update(changes)
    lines = [("模板4：成果验收与复盘表",)]
    for label, value in values.items():
        lines.append((label, value))
        if label == "目标达成情况":
            lines.append((None, "用户参与量15万人次(目标12万人次,超额25%)"))
    return form_bytes(lines)


def test_a_form_typed_the_seeds_way_applies_exactly(org, api, running):  # noqa: F811
    users = org["users"]
    leader = users["mkt_head"]
    criterion_add(requirement=running, actor=users["mkt_staff"], text="活动方案完整")
    first = import_and_confirm(api, leader, running, "review", _seed_form())
    row = first["rows"][0]
    assert (row["row"], row["action"], row["errors"]) == (2, "create", [])
    acceptance = Acceptance.objects.get(requirement=running)
    assert (acceptance.quality_rating, acceptance.quality_comment) == (
        "excellent",
        "方案执行到位,数据完整",
    )
    assert [d.name for d in acceptance.deliverables.all()] == [
        "《推广活动总结报告》",
        "《销售数据统计表》",
        "用户反馈分析报告",
    ]
    assert {d.code for d in acceptance.departments.all()} == {"MKT", "SAL", "PRD"}

    _pass_acceptance(org, running)
    second = import_and_confirm(api, leader, running, "review", _seed_form())
    row = second["rows"][0]
    assert row["action"] == "update" and row["errors"] == []
    assert {c["field"] for c in row["changes"]} == {
        "metrics",
        "highlights",
        "problems",
        "improvements",
        "reviewer",
    }
    retrospective = Retrospective.objects.get(requirement=running)
    assert [(m.name, m.unit, m.target, m.actual) for m in retrospective.metrics.all()] == [
        ("销售额", "万元", 500, 520),
        ("用户参与量", "万人次", 12, 15),
    ]
    assert [m.phrase for m in retrospective.metrics.all()] == ["超额4%", "超额25%"]
    findings = {
        k: [f.text for f in retrospective.findings.filter(kind=k)] for k in ("highlight", "problem")
    }
    assert findings == {
        "highlight": ["跨部门周例会机制高效,信息同步及时", "风险预案完善,场地问题2小时内解决"],
        "problem": ["数据监测反馈延迟,影响实时决策", "部分物料制作周期紧张,设计修改耗时较长"],
    }
    improvements = list(retrospective.improvements.order_by("position"))
    assert [i.action for i in improvements] == [
        "建立“数据日报机制”,指定技术部*专人负责监测",
        "提前3天启动物料设计,预留1天修改缓冲期",
    ]
    # The first names its department with the person masked (技术部*): the department's
    # person, its head as it has no liaison in the group; the second falls to the group
    # leader; both get a date 30 days after the acceptance. The preview said so before
    # anything was written.
    assert [(i.owner, i.due_date) for i in improvements] == [
        (users["tec_head"], D(2024, 11, 9)),
        (leader, D(2024, 11, 9)),
    ]
    notes = [w["message"] for w in row["warnings"]]
    assert any(f"暂由{users['tec_head'].label}负责" in n for n in notes)
    assert any(f"暂由{leader.label}负责" in n for n in notes)
    assert sum("未写完成期限，暂定为 2024-11-09" in n for n in notes) == 2
    assert retrospective.reviewer == users["mkt_staff"]

    # The same file again: nothing to change (the owners and dates Collab has stay).
    again = import_into(api, leader, running, "review", _seed_form()).data
    assert [(r["action"], r["changes"]) for r in again["rows"]] == [("unchanged", [])]


def test_metric_note_that_disagrees_gets_a_warning(org, api, running):  # noqa: F811
    leader = org["users"]["mkt_head"]
    criterion_add(requirement=running, actor=org["users"]["mkt_staff"], text="活动方案完整")
    import_and_confirm(api, leader, running, "review", _seed_form())
    _pass_acceptance(org, running)
    typo = _seed_form(目标达成情况="销售额520万元（目标500万元，超额5%）")
    preview = import_and_confirm(api, leader, running, "review", typo)
    assert {
        "column": "目标达成情况",
        "message": "“销售额520万元（目标500万元，超额5%）”：按实际值与目标值计算，达成率为 104%"
        "（超额4%），与括号中的说明不符；导入后显示计算值",
    } in preview["rows"][0]["warnings"]
    metric = Metric.objects.get(retrospective__requirement=running, name="销售额")
    assert (metric.target, metric.actual, metric.phrase) == (500, 520, "超额4%")


def test_the_register_row_accepts_the_seeds_rating(org, api, running):  # noqa: F811
    criterion_add(requirement=running, actor=org["users"]["mkt_staff"], text="活动方案完整")
    row = list(SEED_REVIEW_ROW)
    row[REVIEW_HEADERS.index("成果质量评价")] = "良好（方案执行到位，数据完整）"
    row[REVIEW_HEADERS.index("目标达成情况")] = SEED_METRICS
    import_and_confirm(
        api, org["users"]["mkt_head"], running, "review", form_bytes([REVIEW_HEADERS, row])
    )
    acceptance = Acceptance.objects.get(requirement=running)
    assert (acceptance.quality_rating, acceptance.quality_comment) == (
        "good",
        "方案执行到位，数据完整",
    )


def test_an_edited_demo_form_changes_exactly_the_edit(seed, api):
    """The demo's retrospective is confirmed; an edit shows as a change and is refused
    with the reason, leaving everything as it was."""
    requirement, users = seed["requirement"], seed["users"]
    data = export_review(api, users["director"], requirement)
    edited = edit_form(data, TITLE, {"存在问题": "1.数据监测反馈延迟,影响实时决策"})
    preview = import_into(api, users["mkt_head"], requirement, "review", edited).data
    row = preview["rows"][0]
    assert [(c["field"], c["new"]) for c in row["changes"]] == [
        ("problems", "1.数据监测反馈延迟,影响实时决策")
    ]
    assert {"column": "", "message": "复盘报告已确认，复盘内容未修改"} in row["warnings"]


def test_blank_review_form_and_rows_layout_on_request(org, api, running):  # noqa: F811
    api.as_user(org["users"]["mkt_head"])
    blank = load_workbook(io.BytesIO(response_bytes(api.get("/api/v1/review/template.xlsx"))))
    sheet = blank.active
    assert sheet["A1"].value == TITLE
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == REVIEW_FORM_LABELS
    assert "超额4%" in sheet["A6"].comment.text  # 目标达成情况: how to write a metric
    # One requirement's review without an acceptance: the blank form naming it.
    empty = export_review(api, org["users"]["mkt_head"], running)
    assert load_workbook(io.BytesIO(empty))[TITLE]["A1"].value == f"{TITLE}（{running.number}）"
    rows = api.get("/api/v1/review/export.xlsx", {"requirement": running.pk, "layout": "rows"})
    sheet = load_workbook(io.BytesIO(response_bytes(rows))).active
    assert [c.value for c in sheet[1]][:12] == REVIEW_HEADERS


def test_review_sheet_columns_compare_the_seeds_wording():
    """Differently written, same meaning: not a change."""
    sheet = get_sheet("review")
    metrics, items = sheet.column("metrics"), sheet.column("highlights")
    assert metrics.compare(SEED_METRICS) == metrics.compare(
        "销售额：目标 500万元，实际 520万元（104%，超额4%）\n"
        "用户参与量：目标 12万人次，实际 15万人次（125%，超额25%）"
    )
    assert items.compare(SEED_HIGHLIGHTS) == items.compare(
        "① 跨部门周例会机制高效,信息同步及时 ② 风险预案完善,场地问题2小时内解决"
    )
    assert items.compare("1、甲\n2、乙") == items.compare("(1) 甲\n(2) 乙") == "甲\n乙"
