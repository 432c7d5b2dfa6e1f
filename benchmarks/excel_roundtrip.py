"""Excel round trip at scale: export 100,000 tasks and import 10,000, with time and peak
memory, beside a raw openpyxl write_only write of the same rows.

    DEBUG=1 .venv/bin/python benchmarks/excel_roundtrip.py [--export-rows N] [--import-rows N]

Runs against a throw-away SQLite database (or DATABASE_URL when BENCH_DATABASE_URL is
set). The 100,000 exported tasks are inserted with bulk_create (fixture data, not the
path under test); the 10,000 imported tasks go through the real upload -> preview ->
confirm path: the preview compares every row and validates the new ones with
tasks_app.bulk.task_bulk_create (rolled back); confirm reuses that result and
writes them in bulk with their history. The last line (RESULT) sums upload -> confirmed
and gives the export's ratio to a raw openpyxl write_only write.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="collab-excel-bench-"))
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
)
os.environ["SPREADSHEET_ASYNC_IMPORT_ROWS"] = "100000000"
os.environ["SPREADSHEET_MAX_IMPORT_ROWS"] = "100000000"
os.environ["SPREADSHEET_MAX_UPLOAD_MB"] = "200"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

settings.MEDIA_ROOT = str(WORKDIR / "media")
settings.DEBUG = False  # no query log: measure the product, not the debug toolbar of Django
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _status(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    line = next(line for line in text.splitlines() if line.startswith(key + ":"))
    return int(line.split()[1]) * 1024


def _cpu() -> float:
    """CPU seconds of this process (user + system): comparable on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM, so each phase gets its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(label, func, *, traced=False):
    """Time one run; its peak RSS growth (VmHWM after minus VmRSS before); and, when
    `traced`, a second run under tracemalloc for the peak of Python allocations."""
    gc.collect()
    _reset_peak_rss()
    rss_before = _status("VmRSS")
    cpu_before = _cpu()
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    cpu = _cpu() - cpu_before
    rss_peak = _status("VmHWM") - rss_before
    python_peak = None
    if traced:
        gc.collect()
        tracemalloc.start()
        func()
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    item = {
        "label": label,
        "seconds": seconds,
        "cpu": cpu,
        "rss": rss_peak,
        "python": python_peak,
        "result": result,
    }
    report(item)
    return item


def report(item) -> None:
    mb = 1024 * 1024
    python = f"  python peak {item['python'] / mb:7.1f} MB" if item["python"] else ""
    print(
        f"{item['label']:48s} {item['seconds']:8.2f} s wall {item['cpu']:8.2f} s CPU  "
        f"RSS peak +{item['rss'] / mb:7.1f} MB{python}  -> {item['result']}",
        flush=True,
    )


def setup_requirement():
    from collab.accounts.demo import load
    from tests.factories import confirm_requirement, form_group, make_requirement

    org: dict = {}
    load(org)
    requirement = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN", "CHA"),
        start_date=datetime.date(2024, 7, 15),
        end_date=datetime.date(2024, 9, 30),
    )
    confirm_requirement(org, requirement)
    form_group(org, requirement)
    requirement.refresh_from_db()
    return org, requirement


def wbs(index: int) -> str:
    return f"{index // 1000 + 1}.{index // 10 % 100 + 1}.{index % 10 + 1}"


def seed_tasks(org, requirement, count: int) -> None:
    from tasks_app.models import Task, wbs_sort_key

    users, departments = org["users"], org["departments"]
    owners = [
        (departments["MKT"], users["mkt_staff"]),
        (departments["PRD"], users["prd_liaison"]),
        (departments["DSN"], users["dsn_liaison"]),
        (departments["SAL"], users["sal_liaison"]),
    ]
    start = datetime.date(2024, 7, 15)
    batch = []
    for index in range(count):
        department, owner = owners[index % 4]
        code = wbs(index)
        batch.append(
            Task(
                requirement=requirement,
                code=code,
                code_sort=wbs_sort_key(code),
                name=f"子任务{index}" if index % 50 else f'=HYPERLINK("x","{index}")',
                owner_department=department,
                owner=owner,
                planned_start=start + datetime.timedelta(days=index % 30),
                planned_end=start + datetime.timedelta(days=index % 30 + 5),
                deliverable=f"《交付物{index}》",
                priority=("P0", "P1", "P2")[index % 3],
            )
        )
        if len(batch) == 5000:
            Task.objects.bulk_create(batch)
            batch = []
    Task.objects.bulk_create(batch)


def export_with_engine(requirement, user):
    from collab.spreadsheets.exports import write_register
    from collab.spreadsheets.registry import get_sheet

    sheet = get_sheet("tasks")
    handle = io.BytesIO()
    count = write_register(sheet, sheet.export_queryset(user, {}, requirement=requirement), handle)
    return count, handle.tell()


def raw_write(rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("tasks")
    for row in rows:
        sheet.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    return len(rows), handle.tell()


def import_file(org, count: int) -> bytes:
    from openpyxl import Workbook

    from collab.spreadsheets.registry import get_sheet

    sheet = get_sheet("tasks")
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(str(sheet.title))
    ws.append([str(c.header) for c in sheet.columns if c.in_header])
    start = datetime.date(2024, 7, 15)
    owners = ["市场部*", "产品部*", "设计部*", "销售部*"]
    for index in range(count):
        ws.append(
            [
                wbs(index),
                f"导入任务{index}",
                owners[index % 4],
                owners[(index + 1) % 4],
                start + datetime.timedelta(days=index % 30),
                start + datetime.timedelta(days=index % 30 + 5),
                None,
                "未开始",
                f"《成果{index}》",
                ("P0", "P1", "P2")[index % 3],
            ]
        )
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations of exports"
    )
    args = parser.parse_args()

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from collab.spreadsheets.registry import get_sheet
    from collab.spreadsheets.services import import_confirm, import_upload
    from tests.factories import confirm_requirement, form_group, make_requirement

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs", flush=True)
    print(f"export rows: {args.export_rows}; import rows: {args.import_rows}", flush=True)
    org, source = setup_requirement()
    director = org["users"]["director"]
    leader = org["users"]["mkt_head"]
    seed_tasks(org, source, args.export_rows)

    sheet = get_sheet("tasks")
    engine = measure(
        "export (engine: styled, row versions, print setup)",
        lambda: export_with_engine(source, director),
        traced=args.tracemalloc,
    )
    rows = list(sheet.export_rows(sheet.export_queryset(director, {}, requirement=source)))
    raw = measure(
        "raw openpyxl write_only, same rows", lambda: raw_write(rows), traced=args.tracemalloc
    )
    rows.clear()

    target = make_requirement(
        org,
        departments=("PRD", "SAL", "DSN", "CHA"),
        start_date=datetime.date(2024, 7, 15),
        end_date=datetime.date(2024, 9, 30),
    )
    confirm_requirement(org, target)
    form_group(org, target)
    data = import_file(org, args.import_rows)
    print(f"import file: {len(data) / 1024 / 1024:.1f} MB", flush=True)
    holder = {}

    def upload_and_preview():
        batch = import_upload(
            actor=leader,
            register="tasks",
            upload=SimpleUploadedFile("tasks.xlsx", data),
            requirement=target,
        )
        holder["batch"] = batch
        return {"rows": batch.total_rows, "errors": batch.error_rows}

    def confirm():
        batch = import_confirm(batch=holder["batch"], actor=leader)
        return {"status": batch.status, "tasks": target.tasks.count()}

    preview = measure("import: upload + preview (diff, dry run)", upload_and_preview)
    applied = measure("import: confirm (bulk, one transaction)", confirm)
    total = preview["seconds"] + applied["seconds"]
    print(
        f"RESULT {connection.vendor}: {args.import_rows} task rows upload -> confirmed "
        f"{total:.2f} s; export {args.export_rows} rows {engine['seconds']:.2f} s = "
        f"{engine['seconds'] / raw['seconds']:.2f} x raw openpyxl write_only "
        f"({raw['seconds']:.2f} s); CPU: import {preview['cpu'] + applied['cpu']:.2f} s, "
        f"export {engine['cpu'] / raw['cpu']:.2f} x raw",
        flush=True,
    )

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {maxrss:.0f} MB")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
