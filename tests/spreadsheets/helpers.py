"""Building workbooks the way a project office would type them."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

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
    "市场部*",
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
