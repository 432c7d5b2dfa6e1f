"""Templates 3 and 4: the seed's rows typed into the blank templates."""

import datetime

import pytest

from requests_app.services import requirement_start
from reviews_app.acceptance.services import criterion_add
from reviews_app.models import Acceptance
from risks_app.models import Risk
from tests.spreadsheets.helpers import (
    NAME,
    SEED_TASK_ROWS,
    TASK_HEADERS,
    import_and_confirm,
    import_into,
    seed_like_requirement,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db
D = datetime.date

RISK_HEADERS = [
    "记录ID",
    "风险/问题描述",
    "影响等级",
    "责任部门/人",
    "发生时间",
    "计划解决时间",
    "实际解决时间",
    "解决措施",
    "处理结果",
]
SEED_RISK_ROWS = [
    ["001", "宣传物料设计不符合品牌规范", "高", NAME["dsn_liaison"], D(2024, 8, 6), D(2024, 8, 7), D(2024, 8, 7), "重新设计,增加品牌审核环节", "已解决"],  # noqa: E501
    ["002", "数据监测系统响应延迟", "中", NAME["tec_staff"], D(2024, 8, 8), D(2024, 8, 10), D(2024, 8, 9), "升级服务器,优化数据接口", "已解决"],  # noqa: E501
    ["003", "线下活动场地临时取消", "high", "OPS", D(2024, 8, 15), D(2024, 8, 16), D(2024, 8, 16), "启用备用场地,同步调整通知用户", "已解决"],  # noqa: E501
]  # fmt: skip
REVIEW_HEADERS = [
    "项目名称",
    "验收日期",
    "发起部门",
    "验收小组",
    "目标达成情况",
    "交付成果清单",
    "成果质量评价",
    "协作亮点",
    "存在问题",
    "改进措施",
    "复盘人",
    "复核确认",
]
SEED_REVIEW_ROW = [
    "2024年Q3新品上市推广活动",
    D(2024, 10, 10),
    "市场部",
    "市场部、销售部、产品部",
    "销售额：目标 500万元，实际 520万元\n用户参与量：目标 12万人次，实际 15万人次",
    "《推广活动总结报告》\n《销售数据统计表》\n用户反馈分析报告",
    "优秀",
    "跨部门周例会机制高效,信息同步及时\n风险预案完善,场地问题2小时内解决",
    "数据监测反馈延迟,影响实时决策\n部分物料制作周期紧张,设计修改耗时较长",
    "建立“数据日报机制”,指定技术部*专人负责监测 | 技术部* | 2024-10-31\n"
    "提前3天启动物料设计,预留1天修改缓冲期 | 设计部* | 2024-11-15",
    NAME["mkt_staff"],
    "各部门负责人签字",
]


@pytest.fixture
def running(org, api):
    requirement = seed_like_requirement(org)
    leader = org["users"]["mkt_head"]
    import_and_confirm(api, leader, requirement, "tasks", xlsx_bytes(TASK_HEADERS, SEED_TASK_ROWS))
    return requirement_start(requirement=requirement, actor=leader)


def test_seed_risk_rows_import_resolved(org, api, running):
    leader = org["users"]["mkt_head"]
    preview = import_and_confirm(
        api, leader, running, "risks", xlsx_bytes(RISK_HEADERS, SEED_RISK_ROWS)
    )
    assert [(r["action"], r["errors"], r["warnings"]) for r in preview["rows"]] == [
        ("create", [], [])
    ] * 3
    risks = {r.code: r for r in Risk.objects.filter(requirement=running)}
    assert sorted(risks) == ["001", "002", "003"]
    assert {r.status for r in risks.values()} == {"resolved"}
    assert risks["001"].impact == "high" and risks["002"].impact == "medium"
    assert risks["002"].owner == org["users"]["tec_staff"]
    assert risks["003"].owner is None and risks["003"].owner_department.code == "OPS"
    assert risks["002"].actual_resolution == D(2024, 8, 9)
    again = import_into(api, leader, running, "risks", xlsx_bytes(RISK_HEADERS, SEED_RISK_ROWS))
    # The same file again changes nothing: counted as unchanged, not listed as updates.
    assert [r["action"] for r in again.data["rows"]] == ["unchanged"] * 3
    assert [r["changes"] for r in again.data["rows"]] == [[]] * 3
    assert again.data["unchanged_rows"] == 3 and again.data["update_rows"] == 0
    assert api.post(f"/api/v1/imports/{again.data['id']}/confirm/").status_code == 200
    assert Risk.objects.filter(requirement=running).count() == 3


def test_impact_outside_the_list(org, api, running):
    row = list(SEED_RISK_ROWS[0])
    row[2] = "很高"
    response = import_into(
        api, org["users"]["mkt_head"], running, "risks", xlsx_bytes(RISK_HEADERS, [row])
    )
    assert response.data["rows"][0]["errors"] == [
        {"column": "影响等级", "message": "“很高”不在可选值中（高、中、低）"}
    ]


def test_seed_review_row_starts_the_acceptance(org, api, running):
    criterion_add(requirement=running, actor=org["users"]["mkt_staff"], text="活动方案完整")
    leader = org["users"]["mkt_head"]
    preview = import_and_confirm(
        api, leader, running, "review", xlsx_bytes(REVIEW_HEADERS, [SEED_REVIEW_ROW])
    )
    row = preview["rows"][0]
    assert row["action"] == "create" and row["errors"] == []
    assert "验收通过后才会生成复盘" in row["warnings"][0]["message"]
    acceptance = Acceptance.objects.get(requirement=running)
    assert acceptance.status == "draft"
    assert acceptance.quality_rating == "excellent"
    assert acceptance.accepted_on == D(2024, 10, 10)
    assert {d.code for d in acceptance.departments.all()} == {"MKT", "SAL", "PRD"}
    assert [d.name for d in acceptance.deliverables.all()] == [
        "《推广活动总结报告》",
        "《销售数据统计表》",
        "用户反馈分析报告",
    ]


def test_review_with_a_malformed_metric_line(org, api, running):
    criterion_add(requirement=running, actor=org["users"]["mkt_staff"], text="活动方案完整")
    row = list(SEED_REVIEW_ROW)
    row[4] = "销售额超额完成"
    response = import_into(
        api, org["users"]["mkt_head"], running, "review", xlsx_bytes(REVIEW_HEADERS, [row])
    )
    assert response.data["valid"] is False
    assert response.data["rows"][0]["errors"][0]["column"] == "目标达成情况"
    assert not Acceptance.objects.filter(requirement=running).exists()
