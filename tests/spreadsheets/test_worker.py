"""Large exports and imports through a real Celery worker on Redis (skipped locally
without CELERY_BROKER_URL=redis://…, required in CI)."""

import time

import pytest

from collab.spreadsheets.models import ExportStatus, ImportStatus
from requests_app.models import Requirement
from tests.conftest import require_redis
from tests.factories import make_requirement
from tests.spreadsheets.helpers import (
    REQUIREMENT_HEADERS,
    SEED_REQUIREMENT_ROW,
    response_bytes,
    upload,
    xlsx_bytes,
)


@pytest.fixture
def worker():
    require_redis()
    from celery.contrib.testing.worker import start_worker

    from collab.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


def _wait(fetch, done, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fetch()
        if done(value):
            return value
        time.sleep(0.2)  # waiting on another process, not on our own clock
    raise AssertionError(f"worker did not finish: {value}")


@pytest.mark.django_db(transaction=True)
def test_export_and_import_jobs_on_a_real_worker(worker, org, api, settings):
    settings.SPREADSHEET_ASYNC_EXPORT_ROWS = 1
    settings.SPREADSHEET_ASYNC_IMPORT_ROWS = 1
    make_requirement(org, topic="甲")
    make_requirement(org, topic="乙")
    api.as_user(org["users"]["director"])
    started = api.get("/api/v1/requirements/export.xlsx")
    assert started.status_code == 202
    job = _wait(
        lambda: api.get(f"/api/v1/exports/{started.data['id']}/").data,
        lambda data: data["status"] in (ExportStatus.DONE, ExportStatus.FAILED),
    )
    assert job["status"] == ExportStatus.DONE
    assert response_bytes(api.get(f"/api/v1/exports/{job['id']}/download/"))[:2] == b"PK"

    rows = []
    for index in (7, 8):
        row = list(SEED_REQUIREMENT_ROW)
        row[0] = f"2024-MKT-{index:03d}"
        rows.append(row)
    api.as_user(org["users"]["mkt_staff"])
    uploaded = api.post(
        "/api/v1/imports/",
        {"register": "requirements", "file": upload(xlsx_bytes(REQUIREMENT_HEADERS, rows))},
        format="multipart",
    )
    assert uploaded.status_code == 202
    url = f"/api/v1/imports/{uploaded.data['id']}/"
    preview = _wait(lambda: api.get(url).data, lambda d: d["status"] != ImportStatus.CHECKING)
    assert preview["status"] == ImportStatus.PREVIEW, preview
    assert api.post(f"{url}confirm/").status_code == 202
    done = _wait(lambda: api.get(url).data, lambda d: d["status"] != ImportStatus.APPLYING)
    assert done["status"] == ImportStatus.DONE, done
    assert set(Requirement.objects.values_list("number", flat=True)) >= {
        "2024-MKT-007",
        "2024-MKT-008",
    }
