"""The diff preview: new, changed (field, old, new), unchanged and conflicting rows;
confirm writes exactly what was shown; absent columns stay as they are."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from collab.spreadsheets.models import ImportBatch
from requests_app.services import requirement_start
from risks_app.models import Risk
from risks_app.services import risk_update
from tasks_app.models import Task
from tasks_app.services import task_update
from tests.spreadsheets.helpers import (
    NAME,
    SEED_TASK_ROWS,
    TASK_HEADERS,
    import_and_confirm,
    import_into,
    response_bytes,
    seed_like_requirement,
    xlsx_bytes,
)
from tests.spreadsheets.test_risks_review import RISK_HEADERS, SEED_RISK_ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(org, api):
    requirement = seed_like_requirement(org)
    leader = org["users"]["mkt_head"]
    import_and_confirm(api, leader, requirement, "tasks", xlsx_bytes(TASK_HEADERS, SEED_TASK_ROWS))
    return requirement_start(requirement=requirement, actor=leader)


def export(api, user, register, requirement) -> bytes:
    api.as_user(user)
    response = api.get(f"/api/v1/{register}/export.xlsx", {"requirement": requirement.pk})
    assert response.status_code == 200
    return response_bytes(response)


def edit(data: bytes, changes: dict[tuple[str, str], object], title=None) -> bytes:
    """Change cells of an exported file by (match key, header), as a person would."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[title] if title else workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for (key, header), value in changes.items():
            if row[0].value == key:
                row[headers.index(header)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_untouched_export_is_unchanged_and_one_edit_is_listed_and_applied(org, api, running):
    leader = org["users"]["mkt_head"]
    data = export(api, leader, "tasks", running)
    same = import_into(api, leader, running, "tasks", data).data
    assert [row["action"] for row in same["rows"]] == ["unchanged"] * 4
    assert (same["unchanged_rows"], same["update_rows"], same["from_export"]) == (4, 0, True)

    before = {t.code: t.history.count() for t in Task.objects.filter(requirement=running)}
    edited = edit(data, {("1.2", "交付成果"): "《产品核心卖点清单V2》"})
    preview = import_into(api, leader, running, "tasks", edited).data
    assert [row["action"] for row in preview["rows"]] == [
        "unchanged",
        "update",
        "unchanged",
        "unchanged",
    ]
    assert preview["rows"][1]["changes"] == [
        {
            "field": "deliverable",
            "label": "交付成果",
            "old": "《产品核心卖点清单》",
            "new": "《产品核心卖点清单V2》",
        }
    ]
    confirmed = api.post(f"/api/v1/imports/{preview['id']}/confirm/", {}, format="json")
    assert confirmed.status_code == 200, confirmed.data
    after = {t.code: t.history.count() for t in Task.objects.filter(requirement=running)}
    assert after == {**before, "1.2": before["1.2"] + 1}
    assert Task.objects.get(requirement=running, code="1.2").deliverable == "《产品核心卖点清单V2》"


def test_stale_file_keeps_newer_edits_and_shows_conflicts(org, api, running):
    leader = org["users"]["mkt_head"]
    data = export(api, leader, "tasks", running)
    task = Task.objects.get(requirement=running, code="1.1")
    task_update(task=task, actor=leader, data={"deliverable": "《推广活动方案V2.0》"})

    # An unrelated edit in the old file: the newer deliverable stays.
    unrelated = edit(data, {("1.2", "子任务名称"): "产品卖点提炼（终稿）"})
    preview = import_and_confirm(api, leader, running, "tasks", unrelated)
    assert preview["rows"][0]["action"] == "unchanged"
    assert Task.objects.get(pk=task.pk).deliverable == "《推广活动方案V2.0》"
    assert Task.objects.get(requirement=running, code="1.2").name == "产品卖点提炼（终稿）"

    # The same cell edited in the old file too: a conflict with both values, skipped.
    clash = edit(data, {("1.1", "交付成果"): "《推广活动方案V1.1》"})
    preview = import_into(api, leader, running, "tasks", clash).data
    row = preview["rows"][0]
    assert row["action"] == "conflict" and preview["conflict_rows"] == 1
    assert row["changes"] == [
        {
            "field": "deliverable",
            "label": "交付成果",
            "old": "《推广活动方案V2.0》",
            "new": "《推广活动方案V1.1》",
            "conflict": True,
        }
    ]
    assert api.post(f"/api/v1/imports/{preview['id']}/confirm/").status_code == 200
    assert Task.objects.get(pk=task.pk).deliverable == "《推广活动方案V2.0》"

    # Choosing the file's value for that row applies it.
    preview = import_into(api, leader, running, "tasks", clash).data
    confirmed = api.post(
        f"/api/v1/imports/{preview['id']}/confirm/", {"take_file": [row["row"]]}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.data
    assert Task.objects.get(pk=task.pk).deliverable == "《推广活动方案V1.1》"


def test_absent_columns_stay_and_present_empty_cells_clear(org, api, running):
    leader = org["users"]["mkt_head"]
    seed_file = xlsx_bytes(TASK_HEADERS, SEED_TASK_ROWS)
    statuses = import_and_confirm(api, leader, running, "tasks", seed_file)  # now running
    assert {c["field"] for row in statuses["rows"] for c in row["changes"]} == {
        "status",
        "actual_end",
    }
    first, second = (Task.objects.get(requirement=running, code=c) for c in ("1.1", "2.1"))
    task_update(task=second, actor=leader, data={"depends_on": [first]})
    # The seed's 10-column task layout has no 前置任务: dependencies stay.
    preview = import_and_confirm(api, leader, running, "tasks", seed_file)
    assert {row["action"] for row in preview["rows"]} == {"unchanged"}
    assert [t.code for t in second.depends_on.all()] == ["1.1"]

    # The seed's 9-column risk layout has no 关联任务: the link stays.
    import_and_confirm(api, leader, running, "risks", xlsx_bytes(RISK_HEADERS, SEED_RISK_ROWS))
    risk = Risk.objects.get(requirement=running, code="001")
    risk_update(risk=risk, actor=leader, data={"task": second})
    again = import_and_confirm(
        api, leader, running, "risks", xlsx_bytes(RISK_HEADERS, SEED_RISK_ROWS)
    )
    assert {row["action"] for row in again["rows"]} == {"unchanged"}
    assert Risk.objects.get(pk=risk.pk).task == second

    # A present but empty cell clears the field, and the preview says so.
    headers = [*TASK_HEADERS, "前置任务"]
    rows = [[*row, None] for row in SEED_TASK_ROWS]
    cleared = import_into(api, leader, running, "tasks", xlsx_bytes(headers, rows)).data
    row = cleared["rows"][2]
    assert row["action"] == "update"
    assert row["changes"] == [
        {"field": "depends_on", "label": "前置任务", "old": "1.1", "new": "", "clears": True}
    ]
    assert "清空" in row["warnings"][-1]["message"]
    assert api.post(f"/api/v1/imports/{cleared['id']}/confirm/").status_code == 200
    assert not second.depends_on.exists()


def test_office_types_are_read_as_a_person_means_them(org, api, running):
    leader = org["users"]["mkt_head"]
    rows = [
        # date-time cell, Excel serial number, no year, full-width ＊ of a Chinese IME
        ["4.1", "线下活动执行", "市场部＊", "产品部＊", datetime.datetime(2024, 8, 1, 9, 30),
         45519, None, "未开始", "活动现场照片", "P1"],
        ["4.2", "活动复盘", NAME["mkt_staff"], "", "8月20日", "8月25日", None, "未开始", "", "P2"],
        [7.1, "数字编号", NAME["mkt_staff"], "", "2024-08-01", "2024-08-02", None, "未开始", "", "P2"],  # noqa: E501
        ["4.3", "公式", NAME["mkt_staff"], "", "2024-08-01", "=TODAY()", None, "未开始", "", "P2"],
    ]  # fmt: skip
    preview = import_into(api, leader, running, "tasks", xlsx_bytes(TASK_HEADERS, rows)).data
    first, second, numeric, formula = preview["rows"]
    assert first["action"] == "create" and first["errors"] == []
    assert second["action"] == "create" and second["errors"] == []
    assert any("未写年份，按需求时间窗口取 2024 年" in w["message"] for w in second["warnings"])
    assert numeric["action"] == "error"
    assert numeric["errors"][0]["column"] == "任务ID"
    assert "7.1 还是 7.10" in numeric["errors"][0]["message"]
    assert "文本" in numeric["errors"][0]["message"]
    assert formula["errors"] == [
        {"column": "计划结束时间", "message": "单元格 F5 是公式，请改为直接填写值后再上传"}
    ]
    good = [rows[0], rows[1]]
    import_and_confirm(api, leader, running, "tasks", xlsx_bytes(TASK_HEADERS, good))
    created = Task.objects.get(requirement=running, code="4.1")
    assert (created.planned_start, created.planned_end) == (
        datetime.date(2024, 8, 1),
        datetime.date(2024, 8, 15),
    )
    assert created.owner_department.code == "MKT"
    later = Task.objects.get(requirement=running, code="4.2")
    assert (later.planned_start, later.planned_end) == (
        datetime.date(2024, 8, 20),
        datetime.date(2024, 8, 25),
    )

    # Risk ids typed as numbers (001 became 1) are restored and match their records.
    import_and_confirm(api, leader, running, "risks", xlsx_bytes(RISK_HEADERS, SEED_RISK_ROWS))
    numbers = [[int(row[0]), *row[1:]] for row in SEED_RISK_ROWS]
    again = import_into(api, leader, running, "risks", xlsx_bytes(RISK_HEADERS, numbers)).data
    assert [(row["key"], row["action"]) for row in again["rows"]] == [
        ("001", "unchanged"),
        ("002", "unchanged"),
        ("003", "unchanged"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_the_encodings_users_have(org, api, encoding):
    requirement = seed_like_requirement(org)
    lines = [",".join(TASK_HEADERS)]
    for row in SEED_TASK_ROWS:
        lines.append(",".join(v.isoformat() if hasattr(v, "isoformat") else v for v in row))
    data = ("\n".join(lines) + "\n").encode(encoding)
    preview = import_into(
        api, org["users"]["mkt_head"], requirement, "tasks", data, name="tasks.csv"
    ).data
    assert preview["file_format"] == "csv"
    assert [row["action"] for row in preview["rows"]] == ["create"] * 4, preview["rows"]


def test_a_file_of_another_requirement_is_refused(org, api, running):
    leader = org["users"]["mkt_head"]
    data = export(api, leader, "tasks", running)
    other = seed_like_requirement(org)
    before = Task.history.filter(requirement=other).count()
    response = import_into(api, leader, other, "tasks", data)
    # Shown with the rows' own problems in one preview, and never applied.
    assert response.status_code == 201 and response.data["valid"] is False
    message = response.data["file_errors"][0]["message"]
    assert running.number in message and other.number in message
    assert api.post(f"/api/v1/imports/{response.data['id']}/confirm/").status_code == 409
    assert ImportBatch.objects.get(object_id=other.pk).status == "invalid"
    assert Task.history.filter(requirement=other).count() == before


def test_confirm_after_the_data_changed_writes_nothing_and_checks_again(org, api, running):
    leader = org["users"]["mkt_head"]
    data = export(api, leader, "tasks", running)
    edited = edit(data, {("1.2", "交付成果"): "《清单V2》"})
    preview = import_into(api, leader, running, "tasks", edited).data
    task = Task.objects.get(requirement=running, code="1.2")
    task_update(task=task, actor=leader, data={"deliverable": "《清单V3》"})
    response = api.post(f"/api/v1/imports/{preview['id']}/confirm/")
    assert response.status_code == 409
    assert "重新检查" in response.data["detail"]
    assert Task.objects.get(pk=task.pk).deliverable == "《清单V3》"
    batch = ImportBatch.objects.get(pk=preview["id"])
    assert batch.status == "preview" and batch.conflict_rows == 1


def test_exports_print_landscape_one_page_wide_with_repeated_headers(org, api, running):
    data = export(api, org["users"]["mkt_head"], "tasks", running)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["任务分工与进度跟踪表"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.column_dimensions["A"].number_format == "@"
    hidden = sheet.cell(row=1, column=sheet.max_column)
    assert hidden.value == "_row_version"
    assert sheet.column_dimensions[hidden.column_letter].hidden is True
    assert workbook["_collab"].sheet_state == "hidden"


def test_exports_have_the_scope_of_the_api(seed, api):
    requirement = seed["requirement"]
    partner = seed["users"]["cha_contact"]
    api.as_user(partner)
    for register, resource in (("tasks", "tasks"), ("risks", "risks")):
        listed = api.get(f"/api/v1/{resource}/", {"requirement": requirement.pk}).data["count"]
        exported = api.get(f"/api/v1/{register}/export.xlsx", {"requirement": requirement.pk})
        sheet = load_workbook(io.BytesIO(response_bytes(exported))).worksheets[0]
        assert sheet.max_row - 1 == listed, register
    response = api.get(f"/api/v1/requirements/{requirement.pk}/dossier.xlsx")
    dossier = load_workbook(io.BytesIO(response_bytes(response)))
    risks = api.get("/api/v1/risks/", {"requirement": requirement.pk}).data["count"]
    assert dossier["风险与问题登记表"].max_row - 1 == risks
