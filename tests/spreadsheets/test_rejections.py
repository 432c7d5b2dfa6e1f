"""Every class of refused file: a clear Chinese message and nothing written."""

import datetime
import io
import zipfile

import pytest

from collab.spreadsheets.models import ImportBatch
from requests_app.models import Requirement
from tests.spreadsheets.helpers import (
    REQUIREMENT_HEADERS,
    SEED_REQUIREMENT_ROW,
    TASK_HEADERS,
    import_into,
    seed_like_requirement,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def _post(api, org, data, name="requirements.xlsx"):
    api.as_user(org["users"]["mkt_staff"])
    return api.post(
        "/api/v1/imports/",
        {"register": "requirements", "file": upload(data, name)},
        format="multipart",
    )


def _assert_file_refused(response, fragment):
    assert response.status_code == 400, response.data
    assert any(fragment in message for message in response.data["file"]), response.data
    assert not ImportBatch.objects.exists()
    assert not Requirement.objects.exists()


def _row(**changes):
    row = list(SEED_REQUIREMENT_ROW)
    for index, value in changes.items():
        row[int(index[1:])] = value
    return row


def test_unsupported_format_by_name(org, api):
    data = "需求编号\t发起部门\n2024-MKT-001\t市场部\n".encode()
    _assert_file_refused(
        _post(api, org, data, name="requirements.txt"), "只支持 .xlsx、.xls、.ods 和 .csv"
    )


def test_not_an_xlsx_by_content(org, api):
    _assert_file_refused(_post(api, org, b"plain text, not a workbook"), "不是有效的 .xlsx")


def test_zip_that_is_not_a_workbook(org, api):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _assert_file_refused(_post(api, org, buffer.getvalue()), "不是有效的 .xlsx")


def test_password_protected_workbook(org, api):
    # Excel saves an encrypted workbook as an OLE compound file (CFB), not a zip.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096
    _assert_file_refused(_post(api, org, data), "已加密")


def test_larger_than_the_limit(org, api, settings):
    settings.SPREADSHEET_MAX_UPLOAD_BYTES = 1024
    data = xlsx_bytes(REQUIREMENT_HEADERS, [SEED_REQUIREMENT_ROW] * 50)
    assert len(data) > 1024
    _assert_file_refused(_post(api, org, data), "文件过大")


def test_zip_bomb_refused_before_parsing(org, api, settings):
    settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    source = io.BytesIO(xlsx_bytes(REQUIREMENT_HEADERS, [SEED_REQUIREMENT_ROW]))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            bomb.writestr(item, original.read(item.filename))
        bomb.writestr("xl/media/padding.xml", b"0" * (20 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024  # small on disk, 20 MB inflated
    _assert_file_refused(_post(api, org, buffer.getvalue()), "压缩炸弹")


def test_zip_bomb_by_compression_ratio(org, api):
    source = io.BytesIO(xlsx_bytes(REQUIREMENT_HEADERS, [SEED_REQUIREMENT_ROW]))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            bomb.writestr(item, original.read(item.filename))
        bomb.writestr("xl/media/padding.xml", b"0" * (8 * 1024 * 1024))
    _assert_file_refused(_post(api, org, buffer.getvalue()), "压缩比异常")


def test_missing_required_column_is_a_row_error_for_new_rows(org, api):
    """A column may be left out (it stays as it is), but a new row needs every
    required value; all such problems of the file come in one preview."""
    headers = [h for h in REQUIREMENT_HEADERS if h != "需求优先级"]
    row = [
        v
        for h, v in zip(REQUIREMENT_HEADERS, SEED_REQUIREMENT_ROW, strict=True)
        if h != "需求优先级"
    ]
    response = _post(api, org, xlsx_bytes(headers, [row]))
    _assert_row_error(api, response, "需求优先级", "文件中没有该列，新增的行必须填写")


def _assert_file_problem(api, response, fragment):
    """A problem of the file as a whole: in the preview with the rows' own problems;
    the batch cannot be confirmed and nothing is written."""
    assert response.status_code == 201, response.data
    assert response.data["valid"] is False and response.data["status"] == "invalid"
    messages = [e["message"] for e in response.data["file_errors"]]
    assert any(fragment in message for message in messages), messages
    assert api.post(f"/api/v1/imports/{response.data['id']}/confirm/").status_code == 409
    assert not Requirement.objects.exists()


def test_missing_match_column_is_a_file_problem(org, api):
    headers = [h for h in REQUIREMENT_HEADERS if h != "需求编号"]
    response = _post(api, org, xlsx_bytes(headers, [SEED_REQUIREMENT_ROW[1:]]))
    _assert_file_problem(api, response, "缺少列：需求编号")


def test_renamed_column(org, api):
    headers = ["优先级" if h == "需求优先级" else h for h in REQUIREMENT_HEADERS]
    response = _post(api, org, xlsx_bytes(headers, [SEED_REQUIREMENT_ROW]))
    _assert_file_problem(api, response, "无法识别的列：优先级")


def test_no_known_column_refuses_the_file(org, api):
    response = _post(api, org, xlsx_bytes(["甲", "乙"], [["1", "2"]]))
    _assert_file_refused(response, "没有可识别的列")


def test_empty_sheet(org, api):
    _assert_file_refused(_post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [])), "没有数据行")


# Row-level problems: the preview shows them; confirming is refused (409); nothing written.
def _assert_row_error(api, response, column, fragment):
    assert response.status_code == 201, response.data
    assert response.data["valid"] is False
    errors = [e for row in response.data["rows"] for e in row["errors"]]
    assert any(e["column"] == column and fragment in e["message"] for e in errors), errors
    confirm = api.post(f"/api/v1/imports/{response.data['id']}/confirm/")
    assert confirm.status_code == 409
    assert "预览中有错误" in confirm.data["detail"]
    assert not Requirement.objects.exists()


def test_bad_date(org, api):
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [_row(c8="2024-13-45")]))
    _assert_row_error(api, response, "时间节点（开始）", "不是有效日期")


def test_text_that_is_not_a_date(org, api):
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [_row(c9="九月底")]))
    _assert_row_error(api, response, "时间节点（结束）", "“九月底”不是有效日期")


def test_unknown_department(org, api):
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [_row(c6="产品部、火星部")]))
    _assert_row_error(api, response, "涉及部门", "未找到部门“火星部”")


def test_unknown_person(org, api):
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [_row(c2="张三丰")]))
    _assert_row_error(api, response, "发起人", "未找到人员“张三丰”")


def test_duplicate_numbers_in_file(org, api):
    rows = [SEED_REQUIREMENT_ROW, SEED_REQUIREMENT_ROW]
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, rows))
    _assert_row_error(api, response, "需求编号", "在文件中重复")


def test_value_outside_the_list(org, api):
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [_row(c11="紧急")]))
    _assert_row_error(api, response, "需求优先级", "“紧急”不在可选值中（高 P0、中 P1、低 P2）")


def test_required_cell_empty(org, api):
    response = _post(api, org, xlsx_bytes(REQUIREMENT_HEADERS, [_row(c4="")]))
    _assert_row_error(api, response, "协作主题", "不能为空")


def test_task_file_with_unknown_owner_writes_nothing(org, api):
    requirement = seed_like_requirement(org)
    d = datetime.date
    rows = [
        ["1.1", "活动方案设计", "市场部*", "", d(2024, 7, 15), d(2024, 7, 25), None, "未开始", "", "P0"],  # noqa: E501
        ["1.2", "产品卖点提炼", "无名氏", "", d(2024, 7, 16), d(2024, 7, 20), None, "未开始", "", "P0"],  # noqa: E501
    ]  # fmt: skip
    data = xlsx_bytes(TASK_HEADERS, rows)
    response = import_into(api, org["users"]["mkt_head"], requirement, "tasks", data)
    assert response.data["rows"][0]["action"] == "create"
    assert response.data["rows"][1]["errors"][0] == {
        "column": "负责部门/人",
        "message": "未找到部门或人员“无名氏”",
    }
    assert api.post(f"/api/v1/imports/{response.data['id']}/confirm/").status_code == 409
    assert not requirement.tasks.exists()
