"""Importing the seed's task register in the browser: upload, preview with the 2.1
warning, confirm, and the tasks are in the register."""

import re

import pytest

from requests_app.services import requirement_start
from tasks_app.models import Task
from tasks_app.services import task_create
from tests.spreadsheets.helpers import (
    SEED_TASK_ROWS,
    TASK_HEADERS,
    seed_like_requirement,
    xlsx_bytes,
)

D = __import__("datetime").date


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def running_requirement(org):
    """The seed's requirement shape, already running with one task of its own."""
    requirement = seed_like_requirement(org)
    users, departments = org["users"], org["departments"]
    task_create(
        requirement=requirement,
        actor=users["mkt_head"],
        code="4.1",
        name="线下活动执行",
        owner_department=departments["MKT"],
        owner=users["mkt_staff"],
        planned_start=D(2024, 8, 1),
        planned_end=D(2024, 8, 20),
    )
    return requirement_start(requirement=requirement, actor=users["mkt_head"])


def test_upload_preview_confirm(page, login, running_requirement, artifact_path):
    requirement = running_requirement
    login("mkt_head")
    page.goto(f"/requirements/{requirement.pk}/")
    page.click("#requirement-tabs [data-tab=excel]")
    page.wait_for_selector("#upload-form")
    page.select_option("#id_register", "tasks")
    page.set_input_files(
        "#id_file",
        {
            "name": "任务分工与进度跟踪表.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": xlsx_bytes(TASK_HEADERS, SEED_TASK_ROWS),
        },
    )
    page.click("#upload-button")
    page.wait_for_url(re.compile(r"/spreadsheets/imports/\d+/$"))

    rows = page.locator("#preview-table tbody tr")
    assert rows.count() == 4
    assert [rows.nth(i).get_attribute("data-action") for i in range(4)] == ["create"] * 4
    warned = page.locator("#preview-table tbody tr.table-warning")
    assert warned.count() == 1
    assert warned.get_attribute("data-row") == "4"
    assert "实际完成时间" in warned.inner_text() and "阻塞" in warned.inner_text()
    assert not Task.objects.filter(requirement=requirement, code="1.1").exists()
    page.screenshot(path=artifact_path("excel-preview.png"), full_page=True)

    page.click("#confirm-import")
    page.wait_for_selector("#batch-status .bg-success")
    assert "已导入：新增 4 行" in page.inner_text("#batch-message")
    statuses = dict(Task.objects.filter(requirement=requirement).values_list("code", "status"))
    assert statuses == {
        "1.1": "done",
        "1.2": "done",
        "2.1": "blocked",
        "3.1": "done",
        "4.1": "not_started",
    }
    page.screenshot(path=artifact_path("excel-imported.png"), full_page=True)


def test_refused_file_explains_why(page, login, running_requirement):
    login("mkt_head")
    page.goto(f"/spreadsheets/requirements/{running_requirement.pk}/")
    page.select_option("#id_register", "tasks")
    page.set_input_files(
        "#id_file",
        {
            "name": "tasks.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        },
    )
    page.click("#upload-button")
    page.wait_for_selector(".alert-danger")
    assert "已加密" in page.inner_text(".alert-danger")
