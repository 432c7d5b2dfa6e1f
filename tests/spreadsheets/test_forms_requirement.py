"""Template 1 as the seed's form (字段名称 | 填写说明 | 内容): one requirement per sheet,
exported print-ready, read back into that requirement through its services, and a form
typed the seed's way registering a new requirement."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from requests_app.models import Requirement
from tests.factories import make_requirement
from tests.spreadsheets.helpers import (
    NAME,
    REQUIREMENT_FORM_LABELS,
    edit_form,
    form_bytes,
    form_fields,
    import_and_confirm,
    import_into,
    response_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
D = datetime.date
TITLE = "跨部门协作需求登记表"


def _export(api, user, requirement, **params) -> bytes:
    api.as_user(user)
    response = api.get("/api/v1/requirement/export.xlsx", {"requirement": requirement.pk, **params})
    assert response.status_code == 200
    return response_bytes(response)


def test_the_demo_requirement_as_the_seeds_form(seed, api):
    requirement = seed["requirement"]
    data = _export(api, seed["users"]["director"], requirement)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [TITLE, "_collab"]
    sheet = workbook[TITLE]
    assert sheet["A1"].value == "跨部门协作需求登记表（2024-MKT-001）"
    assert [c.value for c in sheet[2]] == ["字段名称", "填写说明", "内容"]
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == (
        REQUIREMENT_FORM_LABELS
    )
    fields = form_fields(data, TITLE)
    assert fields == {
        "需求编号": "2024-MKT-001",
        "发起部门": "市场部",
        "发起人": NAME["mkt_staff"],
        "联系方式": "1385678",
        "协作主题": "2024年Q3新品上市推广",
        "目标描述": "3个月内实现新品销售额500万元",
        "涉及部门": fields["涉及部门"],
        "预期成果": "活动方案、宣传物料、销售数据报告",
        "时间节点": "2024-07-15至2024-09-30",
        "关键资源需求": "预算20万元,设计师2名,线下场地5个",
        "需求优先级": "高 P0",
        "需求状态": "已完成",
        "备注": "需保证活动符合最新广告法规定",
    }
    assert set(fields["涉及部门"].split("、")) == {"产品部", "销售部", "设计部", "渠道商A公司"}
    help_texts = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert help_texts["需求编号"] == "按年份+部门+序号编制（如“2024-MKT-001”）"
    assert help_texts["需求优先级"] == "高（P0）/中（P1）/低（P2）"
    # Print-ready like the registers: landscape, one page wide, titles repeated.
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$2"
    assert sheet["C3"].alignment.wrap_text and sheet["C3"].data_type == "s"
    assert workbook["_collab"].sheet_state == "hidden"

    # Read back into its requirement: nothing changes.
    preview = import_into(api, seed["users"]["director"], requirement, "requirement", data).data
    assert preview["from_export"] is True and preview["file_errors"] == []
    assert [(r["action"], r["changes"], r["errors"]) for r in preview["rows"]] == [
        ("unchanged", [], [])
    ]


@pytest.fixture
def filed(org):
    """A requirement under review, which its initiator may still edit."""
    return make_requirement(org, remarks="需保证活动符合最新广告法规定")


def test_an_edited_form_updates_only_what_changed(org, api, filed):
    initiator = org["users"]["mkt_staff"]
    data = _export(api, initiator, filed)
    history = filed.history.count()
    edited = edit_form(
        data,
        TITLE,
        {"目标描述": "3个月内实现新品销售额600万元", "时间节点": "2026-12-01 至 2027-03-31"},
    )
    preview = import_and_confirm(api, initiator, filed, "requirement", edited)
    assert [(c["field"], c["old"], c["new"]) for c in preview["rows"][0]["changes"]] == [
        ("goal", "3个月内实现新品销售额500万元", "3个月内实现新品销售额600万元"),
        ("end_date", "2027-02-28", "2027-03-31"),
    ]
    filed.refresh_from_db()
    assert filed.goal == "3个月内实现新品销售额600万元"
    assert (filed.start_date, filed.end_date) == (D(2026, 12, 1), D(2027, 3, 31))
    # The fields the file did not change stay as they were (not cleared).
    assert (filed.contact_info, filed.remarks, filed.resources) == (
        "1385678",
        "需保证活动符合最新广告法规定",
        "预算20万元",
    )
    assert filed.history.count() == history + 1


def test_absent_line_untouched_empty_value_clears(org, api, filed):
    initiator = org["users"]["mkt_staff"]
    data = _export(api, initiator, filed)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[TITLE]
    line = next(row[0].row for row in sheet.iter_rows(min_row=3) if row[0].value == "关键资源需求")
    sheet.delete_rows(line)
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == "备注":
            row[2].value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = import_and_confirm(api, initiator, filed, "requirement", buffer.getvalue())
    row = preview["rows"][0]
    assert [(c["field"], c.get("clears")) for c in row["changes"]] == [("remarks", True)]
    assert row["warnings"] == [{"column": "备注", "message": "单元格为空，将清空原有内容"}]
    filed.refresh_from_db()
    assert filed.remarks == "" and filed.resources == "预算20万元"


def test_a_form_of_another_requirement_is_not_applied(org, api, filed):
    other = make_requirement(org, topic="另一个需求")
    initiator = org["users"]["mkt_staff"]
    data = edit_form(_export(api, initiator, filed), TITLE, {"目标描述": "改了"})
    preview = import_into(api, initiator, other, "requirement", data).data
    assert preview["valid"] is False
    messages = [e["message"] for e in preview["file_errors"]]
    assert len(messages) == 1 and filed.number in messages[0] and other.number in messages[0]
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 409
    other.refresh_from_db()
    assert other.goal == "3个月内实现新品销售额500万元"


def test_the_seeds_own_form_registers_a_requirement(org, api):
    """Template 1 as the seed prints it (字段名称 | 填写说明 | 示例, the values in the
    示例 column), without a number: a new requirement under review. The seed masks the
    initiator (市场部*); a filled-in form names them."""
    lines = [
        ("模板1：跨部门协作需求登记表",),
        ("字段名称", "填写说明", "示例"),
        ("发起部门", "提出需求的部门", "市场部"),
        ("发起人", "需求对接人（姓名用*代替）", NAME["mkt_staff"]),
        ("联系方式", "发起人电话/邮箱（虚拟信息）", 1385678),
        ("协作主题", "需求核心内容（简洁明了）", "2024年Q3新品上市推广"),
        ("目标描述", "需达成的具体目标（可量化）", "3个月内实现新品销售额500万元"),
        ("涉及部门", "需协作的内部/外部部门", "产品部、销售部、设计部、渠道商A公司"),
        ("预期成果", "需交付的文档/物", "活动方案、宣传物料、销售数据报告"),
        ("时间节点", "计划开始/结束时间（精确到日）", "2024-07-15至2024-09-30"),
        ("关键资源需求", "所需人力、预算、设备等", "预算20万元,设计师2名,线下场地5个"),
        ("需求优先级", "高（P0）/中（P1）/低（P2）", "P0"),
        ("需求状态", "待评审/已确认/执行中/已完成/已驳回", "待评审"),
        ("备注", "其他说明（如特殊要求、限制条件）", "需保证活动符合最新广告法规定"),
    ]
    api.as_user(org["users"]["mkt_staff"])
    response = api.post(
        "/api/v1/imports/",
        {"register": "requirements", "file": upload(form_bytes(lines))},
        format="multipart",
    )
    assert response.status_code == 201, response.data
    preview = response.data
    assert preview["file_errors"] == [] and preview["valid"] is True
    assert [(r["row"], r["action"], r["errors"]) for r in preview["rows"]] == [(3, "create", [])]
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 200
    requirement = Requirement.objects.get()
    assert requirement.number.startswith(f"{datetime.date.today().year}-MKT-")
    assert (requirement.topic, requirement.priority, requirement.status) == (
        "2024年Q3新品上市推广",
        "P0",
        "pending_review",
    )
    assert (requirement.start_date, requirement.end_date) == (D(2024, 7, 15), D(2024, 9, 30))
    assert requirement.contact == org["users"]["mkt_staff"]
    assert requirement.contact_info == "1385678"
    assert {d.code for d in requirement.departments.all()} == {"PRD", "SAL", "DSN", "CHA"}
    assert requirement.resources == "预算20万元,设计师2名,线下场地5个"


def test_blank_forms(org, api):
    api.as_user(org["users"]["mkt_staff"])
    blank = response_bytes(api.get("/api/v1/requirements/template.xlsx", {"layout": "form"}))
    sheet = load_workbook(io.BytesIO(blank)).active
    assert sheet["A1"].value == TITLE
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == (
        REQUIREMENT_FORM_LABELS
    )
    assert all(row[2] is None for row in sheet.iter_rows(min_row=3, values_only=True))
    validations = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert validations["C13"] == '"高 P0,中 P1,低 P2"'  # 需求优先级
    # Registers without a form answer 404 for one.
    assert api.get("/api/v1/tasks/template.xlsx", {"layout": "form"}).status_code == 404
    assert api.get("/api/v1/requirements/export.xlsx", {"layout": "form"}).status_code == 404


def test_pages_offer_the_forms(org, client, filed):
    client.force_login(org["users"]["mkt_staff"])
    tab = client.get(reverse("spreadsheets:requirement", args=[filed.pk])).content.decode()
    form_export = reverse("spreadsheets:export", args=["requirement", "xlsx"])
    assert f'href="{form_export}?requirement={filed.pk}"' in tab
    assert '<option value="requirement">跨部门协作需求登记表</option>' in tab
    response = client.get(form_export, {"requirement": filed.pk})
    data = b"".join(response.streaming_content)
    assert form_fields(data, TITLE)["需求编号"] == filed.number
    index = client.get(reverse("spreadsheets:index")).content.decode()
    assert 'id="template-form"' in index
    blank = client.get(reverse("spreadsheets:template", args=["requirements"]), {"layout": "form"})
    assert load_workbook(io.BytesIO(b"".join(blank.streaming_content))).active["A1"].value == TITLE
    assert client.get(form_export, {"requirement": filed.pk, "layout": "x"}).status_code == 404
