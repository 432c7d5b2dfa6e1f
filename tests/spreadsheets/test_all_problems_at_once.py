"""A file with problems at every stage (its header or form fields, the requirement it
names, values in several rows) reports all of them in one preview, on the page and in
the API, and nothing of it can be confirmed."""

import datetime

import pytest
from django.urls import reverse

from collab.spreadsheets.models import ImportBatch
from reviews_app.acceptance.services import criterion_add
from reviews_app.models import Acceptance
from tasks_app.models import Task
from tests.spreadsheets.helpers import (
    SEED_TASK_ROWS,
    TASK_HEADERS,
    form_bytes,
    import_into,
    seed_like_requirement,
    xlsx_bytes,
)
from tests.spreadsheets.test_risks_review import running  # noqa: F401

pytestmark = pytest.mark.django_db
D = datetime.date


def _messages(row):
    return [(e["column"], e["message"]) for e in row["errors"]]


def test_task_register_with_problems_at_every_stage(org, api, client):
    requirement = seed_like_requirement(org)
    leader = org["users"]["mkt_head"]
    headers = [*TASK_HEADERS, "子任务名称", "备注说明", "需求编号"]
    rows = [[*row, row[1], "", "2024-MKT-009"] for row in SEED_TASK_ROWS]
    rows[0][4] = "7月32日"  # 计划开始时间
    rows[2][2] = "法务部*"  # 负责部门/人
    rows[2][7] = "暂停"  # 当前状态
    response = import_into(api, leader, requirement, "tasks", xlsx_bytes(headers, rows))
    assert response.status_code == 201, response.data
    preview = response.data
    assert preview["valid"] is False and preview["status"] == "invalid"
    file_errors = [e["message"] for e in preview["file_errors"]]
    assert len(file_errors) == 2, file_errors
    assert "无法识别的列：备注说明" in file_errors[0] and "重复的列：子任务名称" in file_errors[0]
    assert "2024-MKT-009" in file_errors[1] and requirement.number in file_errors[1]
    by_row = {row["row"]: row for row in preview["rows"]}
    assert by_row[2]["action"] == by_row[4]["action"] == "error"
    assert _messages(by_row[2]) == [
        ("计划开始时间", "“7月32日”不是有效日期，请填写如 2024-07-15 的日期")
    ]
    assert [column for column, _message in _messages(by_row[4])] == ["负责部门/人", "当前状态"]
    assert preview["error_rows"] == 2
    assert preview["message"] == "文件有 2 处问题、2 行有错误，请修改文件后重新上传"

    # The page shows the same, all at once.
    client.force_login(leader)
    page = client.get(reverse("spreadsheets:batch", args=[preview["id"]])).content.decode()
    for text in ("文件的问题", "无法识别的列：备注说明", "2024-MKT-009", "7月32日", "暂停"):
        assert text in page, text
    assert "confirm-import" not in page
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 409
    assert not Task.objects.filter(requirement=requirement).exists()
    assert ImportBatch.objects.get(pk=preview["id"]).status == "invalid"


def test_review_form_with_problems_at_every_stage(org, api, running):  # noqa: F811
    criterion_add(requirement=running, actor=org["users"]["mkt_staff"], text="活动方案完整")
    lines = [
        ("成果验收与复盘表（2024-MKT-009）",),
        ("项目名称", "2024年Q3新品上市推广活动"),
        ("验收日期", "10月32日"),
        ("验收小组", "市场部、销售部"),
        ("目标达成情况", "销售额超额完成"),
        ("项目负责人", "市场部*"),
        ("成果质量评价", "很好(方案执行到位)"),
        ("验收小组", "产品部"),
        ("改进措施", "建立数据日报机制 | 技术部* | 下个月"),
    ]
    preview = import_into(api, org["users"]["mkt_head"], running, "review", form_bytes(lines)).data
    assert preview["valid"] is False
    file_errors = [e["message"] for e in preview["file_errors"]]
    assert len(file_errors) == 2, file_errors
    assert (
        "无法识别的字段：项目负责人" in file_errors[0] and "重复的字段：验收小组" in file_errors[0]
    )
    assert "2024-MKT-009" in file_errors[1] and running.number in file_errors[1]
    (row,) = preview["rows"]
    assert row["row"] == 2 and row["action"] == "error"
    assert [column for column, _message in _messages(row)] == [
        "验收日期",
        "成果质量评价",
        "目标达成情况",
        "改进措施",
    ]
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 409
    assert not Acceptance.objects.filter(requirement=running).exists()
