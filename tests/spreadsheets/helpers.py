"""Building workbooks the way a project office would type them."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from collab.accounts.demo import PEOPLE

# The demo people by username. The seed's sheets mask them by department (市场部*); the
# sheets a project office types name the people themselves (王芳).
NAME = {username: display for username, _dept, display, *_rest in PEOPLE}

REQUIREMENT_HEADERS = [
    "需求编号",
    "发起部门",
    "发起人",
    "联系方式",
    "协作主题",
    "目标描述",
    "涉及部门",
    "预期成果",
    "时间节点（开始）",
    "时间节点（结束）",
    "关键资源需求",
    "需求优先级",
    "需求状态",
    "备注",
]

SEED_REQUIREMENT_ROW = [
    "2024-MKT-001",
    "市场部",
    NAME["mkt_staff"],
    "1385678",
    "2024年Q3新品上市推广",
    "3个月内实现新品销售额500万元",
    "产品部、销售部、设计部、渠道商A公司",
    "活动方案、宣传物料、销售数据报告",
    datetime.date(2024, 7, 15),
    datetime.date(2024, 9, 30),
    "预算20万元,设计师2名,线下场地5个",
    "高 P0",
    "待评审",
    "需保证活动符合最新广告法规定",
]


def xlsx_bytes(headers, rows, title="Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def response_bytes(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


TASK_HEADERS = [
    "任务ID",
    "子任务名称",
    "负责部门/人",
    "协作部门/人",
    "计划开始时间",
    "计划结束时间",
    "实际完成时间",
    "当前状态",
    "交付成果",
    "优先级",
]
D = datetime.date
SEED_TASK_ROWS = [
    ["1.1", "活动方案设计", NAME["mkt_staff"], NAME["prd_liaison"], D(2024, 7, 15), D(2024, 7, 25), D(2024, 7, 24), "已完成", "《推广活动方案V1.0》", "P0"],  # noqa: E501
    ["1.2", "产品卖点提炼", NAME["prd_liaison"], NAME["mkt_staff"], D(2024, 7, 16), D(2024, 7, 20), D(2024, 7, 20), "已完成", "《产品核心卖点清单》", "P0"],  # noqa: E501
    ["2.1", "宣传物料制作", NAME["dsn_liaison"], NAME["mkt_staff"], D(2024, 7, 26), D(2024, 8, 5), D(2024, 8, 6), "阻塞", "海报、宣传册(待修改)", "P1"],  # noqa: E501
    ["3.1", "渠道对接", NAME["sal_liaison"], NAME["cha_contact"], D(2024, 7, 20), D(2024, 7, 30), D(2024, 7, 31), "已完成", "《渠道合作协议》", "P0"],  # noqa: E501
]  # fmt: skip


def seed_like_requirement(org):
    """An empty, confirmed requirement with the seed's departments, window and group."""
    from tests.factories import confirm_requirement, form_group, make_requirement

    requirement = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN", "CHA"),
        start_date=D(2024, 7, 15),
        end_date=D(2024, 9, 30),
        priority="P0",
    )
    confirm_requirement(org, requirement)
    form_group(org, requirement)
    requirement.refresh_from_db()
    return requirement


def import_into(api, user, requirement, register, data, name="import.xlsx"):
    api.as_user(user)
    return api.post(
        f"/api/v1/requirements/{requirement.pk}/imports/",
        {"register": register, "file": upload(data, name)},
        format="multipart",
    )


def import_and_confirm(api, user, requirement, register, data):
    preview = import_into(api, user, requirement, register, data)
    assert preview.status_code == 201, preview.data
    assert preview.data["valid"], preview.data
    confirmed = api.post(f"/api/v1/imports/{preview.data['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.data
    return preview.data


# The field/value forms (templates 1 and 4 as the seed prints them)
REQUIREMENT_FORM_LABELS = [
    "需求编号",
    "发起部门",
    "发起人",
    "联系方式",
    "协作主题",
    "目标描述",
    "涉及部门",
    "预期成果",
    "时间节点",
    "关键资源需求",
    "需求优先级",
    "需求状态",
    "备注",
]
REVIEW_FORM_LABELS = [
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
    "复盘会日期",  # after the seed's fields
]


def form_bytes(lines, title="Sheet") -> bytes:
    """A form typed line by line (label, value[, ...]); a None label continues the
    field above, as a merged label cell reads."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for line in lines:
        sheet.append(list(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def form_fields(data: bytes, title: str) -> dict:
    """label -> value of an exported form (labels in column A, values in the last)."""
    sheet = load_workbook(io.BytesIO(data))[title]
    found = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] and row[0] != "字段名称":
            found[row[0]] = row[-1]
    return found


def edit_form(data: bytes, title: str, changes: dict) -> bytes:
    """Change values of an exported form by label (None deletes the line's value)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[title]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in changes:
            row[-1].value = changes[row[0].value]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
