"""Visibility, pages, admin, background jobs and query counts of the Excel round trip."""

import pytest
from django.urls import reverse

from collab.spreadsheets.models import ExportStatus, ImportBatch, ImportStatus
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


@pytest.fixture
def eager_celery():
    """Queued jobs run in-process (settings arrive under the CELERY_ namespace)."""
    from collab.celery import app

    conf = app.conf
    previous = conf.CELERY_TASK_ALWAYS_EAGER
    conf.CELERY_TASK_ALWAYS_EAGER = True
    assert conf.task_always_eager
    yield app
    conf.CELERY_TASK_ALWAYS_EAGER = previous


def _rows(n):
    rows = []
    for index in range(1, n + 1):
        row = list(SEED_REQUIREMENT_ROW)
        row[0] = f"2024-MKT-{index:03d}"
        row[4] = f"推广活动{index}"
        rows.append(row)
    return rows


def _upload_batch(api, user, rows):
    api.as_user(user)
    return api.post(
        "/api/v1/imports/",
        {"register": "requirements", "file": upload(xlsx_bytes(REQUIREMENT_HEADERS, rows))},
        format="multipart",
    )


def test_unseen_requirement_answers_404_everywhere(org, api, client):
    requirement = make_requirement(org)
    outsider = org["users"]["ops_staff"]
    api.as_user(outsider)
    assert api.get(f"/api/v1/requirements/{requirement.pk}/dossier.xlsx").status_code == 404
    assert api.get("/api/v1/tasks/export.xlsx", {"requirement": requirement.pk}).status_code == 404
    response = api.post(
        f"/api/v1/requirements/{requirement.pk}/imports/",
        {"register": "tasks", "file": upload(b"x")},
        format="multipart",
    )
    assert response.status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("spreadsheets:dossier", args=[requirement.pk])).status_code == 404
    assert client.get(reverse("spreadsheets:requirement", args=[requirement.pk])).status_code == 404


def test_someone_elses_batch_answers_404(org, api, client):
    batch = _upload_batch(api, org["users"]["mkt_staff"], _rows(1)).data
    api.as_user(org["users"]["director"])
    assert api.get(f"/api/v1/imports/{batch['id']}/").status_code == 404
    assert api.post(f"/api/v1/imports/{batch['id']}/confirm/").status_code == 404
    client.force_login(org["users"]["director"])
    assert client.get(reverse("spreadsheets:batch", args=[batch["id"]])).status_code == 404
    assert not Requirement.objects.exists()


def test_anonymous_is_refused(client, api, org):
    assert api.get("/api/v1/requirements/template.xlsx").status_code in (401, 403)
    response = client.get(reverse("spreadsheets:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("register", "first_header"),
    [
        ("requirements", "需求编号"),
        ("tasks", "任务ID"),
        ("risks", "记录ID"),
        ("review", "项目名称"),
    ],
)
def test_blank_templates(org, api, register, first_header):
    api.as_user(org["users"]["mkt_staff"])
    # Template 4's blank template is the seed's form; its register layout on request.
    response = api.get(f"/api/v1/{register}/template.xlsx", {"layout": "rows"})
    assert response.status_code == 200
    sheet = read(response_bytes(response)).active
    assert sheet["A1"].value == first_header
    assert sheet.max_row == 1
    # The header row stays on screen, and the record's id column too where it has one.
    assert sheet.freeze_panes == ("A2" if register == "review" else "B2")
    # Ids typed into a blank template stay text (001 is not 1, 1.10 is not 1.1).
    assert sheet.column_dimensions["A"].number_format == "@"
    if register in ("tasks", "risks"):
        assert "文本" in sheet["A1"].comment.text


def test_unknown_register_is_404(org, api):
    api.as_user(org["users"]["mkt_staff"])
    assert api.get("/api/v1/nothing/export.xlsx").status_code == 404


def test_preview_queries_do_not_grow_with_rows(org, api, django_assert_num_queries):
    user = org["users"]["mkt_staff"]
    small = _upload_batch(api, user, _rows(5)).data["id"]
    large = _upload_batch(api, user, _rows(50)).data["id"]
    api.as_user(user)
    with django_assert_num_queries(4) as captured:
        assert len(api.get(f"/api/v1/imports/{small}/").data["rows"]) == 5
    expected = len(captured.captured_queries)
    with django_assert_num_queries(expected):
        assert len(api.get(f"/api/v1/imports/{large}/").data["rows"]) == 50


def test_browser_pages_upload_preview_confirm(org, client):
    client.force_login(org["users"]["mkt_staff"])
    index = client.get(reverse("spreadsheets:index"))
    assert index.status_code == 200
    assert "批量导入需求" in index.content.decode()
    data = xlsx_bytes(REQUIREMENT_HEADERS, _rows(2))
    response = client.post(
        reverse("spreadsheets:upload"),
        {"register": "requirements", "file": upload(data)},
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("spreadsheets:batch", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="preview-table"' in page and "推广活动2" in page and "确认导入" in page
    client.post(reverse("spreadsheets:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Requirement.objects.count() == 2


def test_browser_upload_of_a_bad_file_shows_the_reason(org, client):
    client.force_login(org["users"]["mkt_staff"])
    response = client.post(
        reverse("spreadsheets:upload"),
        {"register": "requirements", "file": upload(b"not a workbook", "x.xls")},
        follow=True,
    )
    assert "文件不是有效的 .xls 工作簿" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_requirement_tab_page(seed, client):
    client.force_login(seed["users"]["mkt_head"])
    response = client.get(reverse("spreadsheets:requirement", args=[seed["requirement"].pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "下载协作档案" in content and "任务分工与进度跟踪表" in content
    assert 'data-tab="excel"' in content


def test_admin_upload_and_confirm(org, client):
    admin = org["users"]["admin"]
    client.force_login(admin)
    changelist = client.get(reverse("admin:spreadsheets_importbatch_changelist"))
    assert "上传 Excel" in changelist.content.decode()
    response = client.post(
        reverse("admin:spreadsheets_importbatch_upload"),
        {"register": "requirements", "file": upload(xlsx_bytes(REQUIREMENT_HEADERS, _rows(1)))},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    change = client.get(reverse("admin:spreadsheets_importbatch_change", args=[batch.pk]))
    assert "2024-MKT-001" in change.content.decode()
    client.post(
        reverse("admin:spreadsheets_importbatch_changelist"),
        {"action": "confirm_batches", "_selected_action": [batch.pk]},
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Requirement.objects.get().number == "2024-MKT-001"


def test_large_export_runs_as_a_job_with_progress_and_download(
    org, api, client, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.SPREADSHEET_ASYNC_EXPORT_ROWS = 1
    make_requirement(org, topic="甲")
    make_requirement(org, topic="乙")
    client.force_login(org["users"]["director"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("spreadsheets:export", args=["requirements", "xlsx"]))
    assert response.status_code == 302
    job_page = client.get(response["Location"]).content.decode()
    assert 'id="job-download"' in job_page
    api.as_user(org["users"]["director"])
    with django_capture_on_commit_callbacks(execute=True):
        started = api.get("/api/v1/requirements/export.csv")
    assert started.status_code == 202
    job = api.get(f"/api/v1/exports/{started.data['id']}/").data
    assert job["status"] == ExportStatus.DONE and job["progress"] == 100
    download = api.get(f"/api/v1/exports/{job['id']}/download/")
    text = response_bytes(download).decode("utf-8-sig")
    assert "甲" in text and "乙" in text


def test_large_import_checks_and_applies_in_the_background(
    org, api, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.SPREADSHEET_ASYNC_IMPORT_ROWS = 2
    user = org["users"]["mkt_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload_batch(api, user, _rows(3))
    assert response.status_code == 202
    assert response.data["status"] == ImportStatus.CHECKING
    preview = api.get(f"/api/v1/imports/{response.data['id']}/").data
    assert preview["status"] == ImportStatus.PREVIEW and preview["valid"]
    with django_capture_on_commit_callbacks(execute=True):
        confirm = api.post(f"/api/v1/imports/{preview['id']}/confirm/")
    assert confirm.status_code == 202
    assert api.get(f"/api/v1/imports/{preview['id']}/").data["status"] == ImportStatus.DONE
    assert Requirement.objects.count() == 3


def test_batch_page_shows_progress_until_the_check_finishes(org, api, client, settings):
    from collab.spreadsheets.services import import_check

    settings.SPREADSHEET_ASYNC_IMPORT_ROWS = 1
    user = org["users"]["mkt_staff"]
    response = _upload_batch(api, user, _rows(4))  # queued: the check has not run yet
    batch = ImportBatch.objects.get(pk=response.data["id"])
    client.force_login(user)
    page = client.get(reverse("spreadsheets:batch", args=[batch.pk])).content.decode()
    assert 'id="batch-progress"' in page and "hx-get" in page
    assert 'id="confirm-import"' not in page
    # Progress lives in the database, where the web process sees what the worker did.
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=2, progress_total=4)
    partial = client.get(reverse("spreadsheets:batch_progress", args=[batch.pk]))
    assert 'aria-valuenow="50"' in partial.content.decode()
    assert "HX-Refresh" not in partial
    import_check(batch=batch)
    partial = client.get(reverse("spreadsheets:batch_progress", args=[batch.pk]))
    assert partial["HX-Refresh"] == "true"
    page = client.get(reverse("spreadsheets:batch", args=[batch.pk])).content.decode()
    assert 'id="confirm-import"' in page
