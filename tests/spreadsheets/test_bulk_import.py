"""Imports at size: rows are checked once, in memory, with the services' own rules, and
written in bulk in one transaction with one history entry per changed task, exactly
what the services would write row by row."""

import datetime
import io

import pytest
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from collab.spreadsheets.models import ImportBatch
from collab.spreadsheets.progress import Progress
from collab.spreadsheets.services import import_confirm, import_upload
from requests_app.services import requirement_start
from tasks_app import bulk, bulk_write
from tasks_app.excel import TaskSheet
from tasks_app.models import Task
from tasks_app.services import task_create
from tests.conftest import require_postgres
from tests.spreadsheets.helpers import (
    NAME,
    TASK_HEADERS,
    import_into,
    response_bytes,
    seed_like_requirement,
    upload,
    xlsx_bytes,
)
from tests.spreadsheets.test_diff_preview import edit

pytestmark = pytest.mark.django_db

D = datetime.date
HEADERS = [*TASK_HEADERS, "进度(%)", "前置任务"]
# Existing tasks: the first four rows of the seed, 2.1 after 1.1.
EXISTING = [
    ("1.1", "活动方案设计", "MKT", "mkt_staff", ["PRD"], ["prd_liaison"], 15, 25, []),
    ("1.2", "产品卖点提炼", "PRD", "prd_liaison", ["MKT"], [], 16, 20, []),
    ("2.1", "宣传物料制作", "DSN", "dsn_liaison", [], [], 26, 31, ["1.1"]),
    ("3.1", "渠道对接", "SAL", "sal_liaison", ["CHA"], [], 20, 30, []),
]
# One file touching every kind of change: fields, people, relations, statuses through
# their transitions (one refused), new tasks naming existing and earlier new tasks.
FILE = [
    ["1.1", "活动方案设计", NAME["mkt_staff"], NAME["prd_liaison"], D(2024, 7, 15), D(2024, 7, 25), D(2024, 7, 24), "已完成", "《推广活动方案V1.0》", "P0", 100, None],  # noqa: E501
    ["1.2", "产品卖点提炼（终稿）", NAME["prd_liaison"], f"{NAME['mkt_staff']}、{NAME['dsn_liaison']}", D(2024, 7, 16), D(2024, 7, 22), None, "进行中", "《产品核心卖点清单》", "P0", 40, None],  # noqa: E501
    ["2.1", "宣传物料制作", NAME["dsn_liaison"], None, D(2024, 7, 26), D(2024, 8, 5), None, "阻塞", "海报、宣传册(待修改)", "P1", 20, "1.1"],  # noqa: E501
    ["3.1", "渠道对接", f"销售部/{NAME['sal_head']}", NAME["cha_contact"], D(2024, 7, 20), D(2024, 7, 30), None, "未开始", "《渠道合作协议》", "P1", 0, "1.2"],  # noqa: E501
    ["4.1", "线下活动执行", NAME["sal_liaison"], NAME["mkt_staff"], D(2024, 8, 6), D(2024, 8, 20), None, "进行中", "活动现场照片", "P1", 10, "1.2"],  # noqa: E501
    ["4.2", "物料配送", NAME["dsn_liaison"], None, D(2024, 8, 1), D(2024, 8, 5), D(2024, 8, 5), "已完成", "配送单", "P2", None, "1.1"],  # noqa: E501
    [None, "复盘准备", NAME["mkt_staff"], None, D(2024, 9, 1), D(2024, 9, 5), None, None, None, "P2", None, "1.1、4.1"],  # noqa: E501
]  # fmt: skip


def _requirement(org):
    requirement = seed_like_requirement(org)
    users, departments = org["users"], org["departments"]
    for code, name, dept, owner, collab, people, start, end, deps in EXISTING:
        task_create(
            requirement=requirement,
            actor=users["mkt_head"],
            code=code,
            name=name,
            owner_department=departments[dept],
            owner=users[owner],
            planned_start=D(2024, 7, start),
            planned_end=D(2024, 7, end),
            collaborating_departments=[departments[c] for c in collab],
            collaborators=[users[p] for p in people],
            depends_on=list(Task.objects.filter(requirement=requirement, code__in=deps)),
        )
    return requirement_start(requirement=requirement, actor=users["mkt_head"])


def _import(api, org, requirement, rows):
    leader = org["users"]["mkt_head"]
    preview = import_into(api, leader, requirement, "tasks", xlsx_bytes(HEADERS, rows)).data
    assert preview["valid"], preview
    confirmed = api.post(f"/api/v1/imports/{preview['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.data
    return preview, confirmed.data


def _state(requirement) -> dict:
    found = {}
    tasks = Task.objects.filter(requirement=requirement).prefetch_related(
        "collaborating_departments", "collaborators", "depends_on"
    )
    for task in tasks:
        fields = {
            f.attname: getattr(task, f.attname)
            for f in Task._meta.concrete_fields
            if f.attname not in ("id", "requirement_id", "created_at", "updated_at")
        }
        fields["collaborating_departments"] = {d.code for d in task.collaborating_departments.all()}
        fields["collaborators"] = {u.username for u in task.collaborators.all()}
        fields["depends_on"] = {d.code for d in task.depends_on.all()}
        found[task.code] = fields
    return found


def _history(requirement) -> dict[str, list]:
    """Per task code, its history entries (oldest first) as comparable content."""
    m2m = {
        name: apps.get_model("tasks_app", f"HistoricalTask_{name}")
        for name in ("collaborating_departments", "collaborators")
    }
    found: dict[str, list] = {}
    records = Task.history.filter(requirement_id=requirement.pk).order_by("history_id")
    for record in records:
        content = {
            f.attname: getattr(record, f.attname)
            for f in Task._meta.concrete_fields
            if f.attname not in ("id", "requirement_id", "created_at", "updated_at")
        }
        content["user"] = record.history_user_id
        content["reason"] = record.history_change_reason
        content["collaborating_departments"] = set(
            m2m["collaborating_departments"]
            .objects.filter(history=record)
            .values_list("department_id", flat=True)
        )
        content["collaborators"] = set(
            m2m["collaborators"].objects.filter(history=record).values_list("user_id", flat=True)
        )
        found.setdefault(record.code, []).append(content)
    return found


def _comparable(preview) -> list:
    return [
        (row["row"], row["action"], row["changes"], row["errors"], row["warnings"])
        for row in preview["rows"]
    ]


def test_bulk_import_writes_what_the_services_write_row_by_row(org, api, monkeypatch):
    bulk_requirement = _requirement(org)
    service_requirement = _requirement(org)
    before = {code: len(entries) for code, entries in _history(bulk_requirement).items()}

    bulk_preview, _done = _import(api, org, bulk_requirement, FILE)
    with monkeypatch.context() as patch:  # the sheet without its bulk path: services per row
        patch.setattr(TaskSheet, "plan", lambda self, work, context, progress: False)
        service_preview, _done = _import(api, org, service_requirement, FILE)

    assert _comparable(bulk_preview) == _comparable(service_preview)
    actions = [row["action"] for row in bulk_preview["rows"]]
    assert actions == ["update"] * 4 + ["create"] * 3
    warnings = {row["row"]: row["warnings"] for row in bulk_preview["rows"]}
    assert "前置任务尚未完成：1.2" in warnings[6][-1]["message"]  # 4.1 waits for 1.2
    state = _state(bulk_requirement)
    assert state == _state(service_requirement)
    assert state["1.1"]["status"] == "done" and state["1.1"]["actual_end"] == D(2024, 7, 24)
    assert state["2.1"]["status"] == "blocked" and state["2.1"]["block_reason"] == "Excel 导入"
    assert state["1.2"]["collaborating_departments"] == {"MKT", "DSN"}
    assert state["3.1"]["owner_id"] == org["users"]["sal_head"].pk
    assert state["3.1"]["depends_on"] == {"1.2"}
    assert (state["4.1"]["status"], state["4.1"]["depends_on"]) == ("not_started", {"1.2"})
    assert state["4.2"]["status"] == "done"
    assert state["5"]["depends_on"] == {"1.1", "4.1"}

    bulk_history = _history(bulk_requirement)
    service_history = _history(service_requirement)
    for code, entries in bulk_history.items():
        new = entries[before.get(code, 0) :]
        assert len(new) == 1, (code, new)  # one entry per changed task
        assert new[0] == service_history[code][-1], code  # what the services end with
        assert new[0]["reason"] == "Excel 导入"


def test_confirm_reuses_the_preview_and_writes_in_a_fixed_number_of_queries(org, api):
    leader = org["users"]["mkt_head"]
    counts = []
    helpers = f"{NAME['mkt_staff']}、{NAME['dsn_liaison']}"
    for size in (5, 50):
        requirement = _requirement(org)
        rows = [
            [f"{9}.{n}", f"新任务{n}", NAME["sal_liaison"], helpers, D(2024, 8, 1), D(2024, 8, 9),
             D(2024, 8, 9) if n % 2 else None, "已完成" if n % 2 else "进行中", f"成果{n}", "P1", 5,
             "1.1" if n == 1 else f"9.{n - 1}"]
            for n in range(1, size + 1)
        ]  # fmt: skip
        for row in _sheet_rows(requirement):  # every existing task renamed
            rows.append([row[0], f"{row[1]}（改）", *row[2:12]])
        batch = import_upload(
            actor=leader,
            register="tasks",
            upload=upload(xlsx_bytes(HEADERS, rows)),
            requirement=requirement,
        )
        assert batch.status == "preview", batch.message
        # Confirming checks nothing again: the preview's plans are written as they are.
        with CaptureQueriesContext(connection) as queries, pytest.MonkeyPatch.context() as patch:
            patch.setattr(bulk.TaskPlanner, "__init__", _refuse)
            batch = import_confirm(batch=batch, actor=leader)
        assert batch.status == "done", batch.message
        assert Task.objects.filter(requirement=requirement).count() == size + 4
        assert Task.objects.get(requirement=requirement, code="1.2").name == "产品卖点提炼（改）"
        counts.append(len(queries))
    if connection.vendor == "sqlite":
        # SQLite takes at most 999 parameters per statement, so a bulk insert of many
        # history rows is split into a few statements; still not one per row.
        assert counts[1] - counts[0] <= 2, counts
    else:
        assert counts[0] == counts[1], counts


def _sheet_rows(requirement) -> list:
    sheet = TaskSheet()
    return list(sheet.export_rows(sheet.scope_queryset({"requirement": requirement})))


def _refuse(*args, **kwargs):
    raise AssertionError("confirm checked the rows again")


def test_a_failing_row_at_confirm_rolls_back_the_whole_import(org, api):
    requirement = _requirement(org)
    leader = org["users"]["mkt_head"]
    api.as_user(leader)
    response = api.get("/api/v1/tasks/export.xlsx", {"requirement": requirement.pk})
    exported = response_bytes(response)
    # 3.1 is deleted in Collab after the export: its row becomes a conflict, and a new
    # row of the same file depends on it.
    Task.objects.filter(requirement=requirement, code="3.1").delete()
    edited = edit(exported, {("1.2", "子任务名称"): "产品卖点提炼（终稿）"})
    workbook = load_workbook(io.BytesIO(edited))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = [None] * len(headers)
    values = {
        "任务ID": "3.2",
        "子任务名称": "渠道培训",
        "负责部门/人": "销售部*",
        "计划开始时间": D(2024, 8, 1),
        "计划结束时间": D(2024, 8, 9),
        "前置任务": "3.1",
    }
    for header, value in values.items():
        row[headers.index(header)] = value
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = import_into(api, leader, requirement, "tasks", buffer.getvalue()).data
    assert preview["valid"], preview
    actions = {row["key"]: row["action"] for row in preview["rows"]}
    assert (actions["1.2"], actions["3.1"], actions["3.2"]) == ("update", "conflict", "create")
    history = Task.history.filter(requirement_id=requirement.pk).count()

    # Confirmed without taking the file's 3.1: 3.2 names a task that does not exist.
    response = api.post(f"/api/v1/imports/{preview['id']}/confirm/")
    assert response.status_code == 409
    batch = ImportBatch.objects.get(pk=preview["id"])
    assert batch.status == "failed" and "未导入任何数据" in batch.message
    failed = batch.rows.get(key="3.2")
    assert failed.errors == [{"column": "前置任务", "message": "前置任务不存在：3.1"}]
    assert Task.objects.get(requirement=requirement, code="1.2").name == "产品卖点提炼"
    assert not Task.objects.filter(requirement=requirement, code="3.2").exists()
    assert Task.history.filter(requirement_id=requirement.pk).count() == history


def test_a_database_failure_while_writing_leaves_nothing(org, monkeypatch):
    requirement = _requirement(org)
    leader = org["users"]["mkt_head"]
    batch = import_upload(
        actor=leader,
        register="tasks",
        upload=upload(xlsx_bytes(HEADERS, FILE)),
        requirement=requirement,
    )
    before = _state(requirement), Task.history.filter(requirement_id=requirement.pk).count()

    def fail(*args, **kwargs):
        raise IntegrityError("refused")

    # New tasks are inserted first; the update after them fails.
    monkeypatch.setattr(bulk_write, "bulk_update_rows", fail)
    batch = import_confirm(batch=batch, actor=leader)
    assert batch.status == "failed"
    assert "未导入任何数据" in batch.message
    assert (_state(requirement), Task.history.filter(requirement_id=requirement.pk).count()) == (
        before
    )


def test_new_tasks_may_name_later_ones_but_never_close_a_cycle(org, api):
    requirement = _requirement(org)
    rows = [
        ["6.1", "场地预订", NAME["sal_liaison"], None, D(2024, 8, 1), D(2024, 8, 5), None, None, None, "P1", None, "6.2"],  # noqa: E501
        ["6.2", "预算确认", NAME["sal_liaison"], None, D(2024, 8, 1), D(2024, 8, 5), None, None, None, "P1", None, "1.1"],  # noqa: E501
    ]  # fmt: skip
    _import(api, org, requirement, rows)
    assert _state(requirement)["6.1"]["depends_on"] == {"6.2"}

    leader = org["users"]["mkt_head"]
    rows = [
        ["7.1", "甲", NAME["sal_liaison"], None, D(2024, 8, 1), D(2024, 8, 5), None, None, None, "P1", None, "7.2"],  # noqa: E501
        ["7.2", "乙", NAME["sal_liaison"], None, D(2024, 8, 1), D(2024, 8, 5), None, None, None, "P1", None, "7.1"],  # noqa: E501
    ]  # fmt: skip
    preview = import_into(api, leader, requirement, "tasks", xlsx_bytes(HEADERS, rows)).data
    assert preview["valid"] is False
    assert preview["rows"][1]["errors"] == [
        {"column": "前置任务", "message": "前置任务形成循环依赖"}
    ]
    assert not Task.objects.filter(requirement=requirement, code__startswith="7.").exists()


@pytest.mark.django_db(transaction=True)
def test_progress_of_an_import_is_seen_by_other_connections_while_it_writes(org, monkeypatch):
    require_postgres()
    requirement = _requirement(org)
    leader = org["users"]["mkt_head"]
    batch = import_upload(
        actor=leader,
        register="tasks",
        upload=upload(xlsx_bytes(HEADERS, FILE)),
        requirement=requirement,
    )
    monkeypatch.setattr(Progress, "EVERY", 1)
    seen = []
    write = TaskSheet.write

    def write_and_look(self, plans, context, progress):
        write(self, plans, context, progress)
        other = connections.create_connection(DEFAULT_DB_ALIAS)  # another process's view
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT status, progress_done, progress_total FROM "
                    "spreadsheets_importbatch WHERE id = %s",
                    [batch.pk],
                )
                seen.append(cursor.fetchone())
        finally:
            other.close()

    monkeypatch.setattr(TaskSheet, "write", write_and_look)
    batch = import_confirm(batch=batch, actor=leader)
    assert batch.status == "done", batch.message
    status, done, total = seen[0]
    assert status == "applying" and total == len(FILE) and 0 < done <= total
    assert ImportBatch.objects.get(pk=batch.pk).progress() == 100


def test_task_rows_read_as_values_are_the_rows_of_the_tasks(org, api):
    requirement = _requirement(org)
    _import(api, org, requirement, FILE)
    sheet = TaskSheet()
    queryset = sheet.scope_queryset({"requirement": requirement})
    rows = list(sheet.export_rows(queryset))
    assert rows == [tuple(sheet.row_of(task)) for task in queryset]
    assert {row[3] for row in rows} >= {
        f"产品部/{NAME['prd_liaison']}",
        f"设计部/{NAME['dsn_liaison']}、市场部/{NAME['mkt_staff']}",
        f"渠道商A公司/{NAME['cha_contact']}",
        "",
    }


def test_owners_are_told_once_each_which_imported_tasks_are_theirs(org, api):
    from collab.notifications.models import Notification

    requirement = _requirement(org)
    users = org["users"]
    _import(api, org, requirement, FILE)
    notices = Notification.objects.filter(kind="tasks_imported")
    told = {n.recipient.username: n for n in notices.select_related("recipient")}
    # New tasks (4.1, 4.2, the unnumbered one) and 3.1, handed to 销售部's head; the
    # leader who imported and the owners of unchanged or merely edited tasks: nothing.
    assert set(told) == {"sal_head", "sal_liaison", "dsn_liaison", "mkt_staff"}
    assert notices.count() == 4
    new_code = Task.objects.get(requirement=requirement, name="复盘准备").code
    expected = {
        "sal_head": "3.1",
        "sal_liaison": "4.1",
        "dsn_liaison": "4.2",
        "mkt_staff": new_code,
    }
    for username, codes in expected.items():
        message = told[username].message
        assert f"{users['mkt_head'].label} 通过 Excel 导入把 1 个任务" in message, message
        assert message.endswith(f"交给你负责：{codes}"), message
        assert told[username].alert.url == "/tasks/?mine=1"
