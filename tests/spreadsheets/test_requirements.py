"""Template 1 (requirement register): export, template, CSV, bulk import and re-import."""

import datetime

import pytest

from requests_app.models import Requirement
from tests.factories import make_requirement
from tests.spreadsheets.helpers import (
    REQUIREMENT_HEADERS,
    SEED_REQUIREMENT_ROW,
    read,
    response_bytes,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def test_template_has_seed_headers_frozen_styled_and_drop_downs(org, api):
    api.as_user(org["users"]["mkt_staff"])
    response = api.get("/api/v1/requirements/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = read(response_bytes(response)).active
    headers = [c.value for c in sheet[1]]
    assert headers[:14] == REQUIREMENT_HEADERS
    assert sheet.freeze_panes == "B2"  # header row and 需求编号 stay on screen
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["E"].width == 28
    validations = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    assert validations["L2"].formula1 == '"高 P0,中 P1,低 P2"'
    assert validations["M2"].formula1 == '"待评审,已确认,执行中,已完成,已驳回"'
    assert sheet.max_row == 1


def test_export_applies_list_filters_and_writes_real_dates(org, api):
    make_requirement(org, topic="高优先级推广", priority="P0")
    make_requirement(org, topic="普通需求", priority="P2")
    api.as_user(org["users"]["director"])
    response = api.get("/api/v1/requirements/export.xlsx", {"priority": "P0"})
    assert response.status_code == 200
    workbook = read(response_bytes(response))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2
    data = dict(zip(rows[0], rows[1], strict=False))
    assert data["协作主题"] == "高优先级推广"
    assert data["需求优先级"] == "高 P0"
    assert data["需求状态"] == "待评审"
    assert data["涉及部门"] == "产品部、销售部、渠道商A公司"
    assert data["时间节点（开始）"] == datetime.datetime(2026, 12, 1)
    cell = workbook.active["I2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"


def test_export_only_contains_requirements_the_user_may_see(org, api):
    make_requirement(org, topic="可见")
    api.as_user(org["users"]["ops_staff"])
    response = api.get("/api/v1/requirements/export.xlsx")
    rows = list(read(response_bytes(response)).active.iter_rows(values_only=True))
    assert len(rows) == 1


def test_csv_is_utf8_with_bom_and_chinese_headers(org, api):
    make_requirement(org)
    api.as_user(org["users"]["director"])
    response = api.get("/api/v1/requirements/export.csv")
    assert response.status_code == 200
    content = response_bytes(response)
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("需求编号,发起部门,发起人")
    assert "新品上市推广" in text


def test_formula_injection_is_written_as_text(org, api):
    make_requirement(org, topic='=HYPERLINK("http://evil","点我")', remarks="@SUM(A1)")
    api.as_user(org["users"]["director"])
    workbook = read(response_bytes(api.get("/api/v1/requirements/export.xlsx")))
    topic = workbook.active["E2"]
    assert topic.value == '=HYPERLINK("http://evil","点我")'
    assert topic.data_type == "s"
    assert topic.quotePrefix
    assert workbook.active["N2"].data_type == "s"
    csv_text = response_bytes(api.get("/api/v1/requirements/export.csv")).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert "'@SUM(A1)" in csv_text


def _import(api, user, data, name="requirements.xlsx"):
    api.as_user(user)
    return api.post(
        "/api/v1/imports/",
        {"register": "requirements", "file": upload(data, name)},
        format="multipart",
    )


def test_seed_requirement_imports_with_its_number_and_reimport_updates(org, api):
    staff = org["users"]["mkt_staff"]
    data = xlsx_bytes(REQUIREMENT_HEADERS, [SEED_REQUIREMENT_ROW])
    response = _import(api, staff, data)
    assert response.status_code == 201, response.data
    preview = response.data
    assert preview["valid"] is True
    assert [(r["row"], r["action"], r["errors"]) for r in preview["rows"]] == [(2, "create", [])]
    assert not Requirement.objects.exists()  # the preview writes nothing

    confirmed = api.post(f"/api/v1/imports/{preview['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.data
    requirement = Requirement.objects.get()
    assert requirement.number == "2024-MKT-001"
    assert requirement.contact == staff
    assert requirement.start_date == datetime.date(2024, 7, 15)
    assert {d.code for d in requirement.departments.all()} == {"PRD", "SAL", "DSN", "CHA"}
    assert requirement.priority == "P0"
    assert requirement.coordinator == org["users"]["director"]
    history = requirement.history.count()

    changed = list(SEED_REQUIREMENT_ROW)
    changed[13] = "需符合广告法"
    again = _import(api, staff, xlsx_bytes(REQUIREMENT_HEADERS, [changed]))
    assert again.data["rows"][0]["action"] == "update"
    assert api.post(f"/api/v1/imports/{again.data['id']}/confirm/").status_code == 200
    assert Requirement.objects.count() == 1
    requirement.refresh_from_db()
    assert requirement.remarks == "需符合广告法"
    assert requirement.history.count() == history + 1


def test_codes_and_masked_names_are_accepted(org, api):
    row = list(SEED_REQUIREMENT_ROW)
    row[0] = ""
    row[1] = "MKT"
    row[6] = "PRD,SAL*"
    row[11] = "P1"
    row[12] = "pending_review"
    response = _import(api, org["users"]["mkt_staff"], xlsx_bytes(REQUIREMENT_HEADERS, [row]))
    assert response.data["valid"], response.data
    api.post(f"/api/v1/imports/{response.data['id']}/confirm/")
    requirement = Requirement.objects.get()
    assert requirement.number.endswith("-MKT-001")  # numbered by filing year
    assert {d.code for d in requirement.departments.all()} == {"PRD", "SAL"}
    assert requirement.priority == "P1"


def test_status_other_than_pending_is_a_warning_not_written(org, api):
    row = list(SEED_REQUIREMENT_ROW)
    row[12] = "已完成"
    response = _import(api, org["users"]["mkt_staff"], xlsx_bytes(REQUIREMENT_HEADERS, [row]))
    warnings = {w["column"]: w["message"] for w in response.data["rows"][0]["warnings"]}
    assert "将被忽略" in warnings["需求状态"]
    director = org["users"]["director"].label
    assert warnings["协作协调人"] == f"未填写协作协调人，将由“{director}”负责评审"
    assert response.data["valid"]
    api.post(f"/api/v1/imports/{response.data['id']}/confirm/")
    assert Requirement.objects.get().status == "pending_review"


def test_service_rules_surface_as_row_errors(org, api):
    row = list(SEED_REQUIREMENT_ROW)
    row[9] = datetime.date(2024, 7, 1)  # ends before it starts
    response = _import(api, org["users"]["mkt_staff"], xlsx_bytes(REQUIREMENT_HEADERS, [row]))
    errors = response.data["rows"][0]["errors"]
    assert response.data["valid"] is False
    assert {"column": "时间节点（结束）", "message": "结束日期不能早于开始日期"} in errors


def test_confirm_is_all_or_nothing_when_data_changed_after_preview(org, api):
    from collab.accounts.models import User

    second = User.objects.create(username="director2", display_name="副总监", is_coordinator=True)
    headers = [*REQUIREMENT_HEADERS, "协作协调人"]
    first = [*SEED_REQUIREMENT_ROW, org["users"]["director"].label]
    other = [*SEED_REQUIREMENT_ROW, "副总监"]
    other[0] = "2024-MKT-002"
    response = _import(api, org["users"]["mkt_staff"], xlsx_bytes(headers, [first, other]))
    assert response.data["valid"], response.data
    second.is_coordinator = False
    second.save()
    confirmed = api.post(f"/api/v1/imports/{response.data['id']}/confirm/")
    assert confirmed.status_code == 409
    assert "未导入任何数据" in confirmed.data["detail"]
    assert not Requirement.objects.exists()


def test_partner_cannot_bulk_import(org, api):
    data = xlsx_bytes(REQUIREMENT_HEADERS, [SEED_REQUIREMENT_ROW])
    response = _import(api, org["users"]["cha_contact"], data)
    assert response.status_code == 403
