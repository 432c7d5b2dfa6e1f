"""Excel round trip at scale: export 100,000 tasks beside a raw openpyxl write_only write
of the same rows, and import 10,000 task rows from upload to confirmed, twice: new tasks,
then the same tasks edited in their own export (names, dates, statuses).

    DEBUG=1 .venv/bin/python benchmarks/excel_roundtrip.py [--export-rows N] [--import-rows N]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> DEBUG=1 .venv/bin/python \
        benchmarks/excel_roundtrip.py

Runs against a throw-away SQLite database, or the PostgreSQL database in
BENCH_DATABASE_URL (it adds its data there; use a database of its own). The exported
tasks are inserted with bulk_create (fixture data, not the path under test). The export
and the raw write alternate --repeat times; the ratio is taken between the best runs of
each, as the machine may be busy. The imports go through the real upload -> preview ->
confirm path (services.import_upload / import_confirm, in this process): the preview
compares every row and checks it in memory with the services' rules, confirm writes the
stored plans in bulk with their history in one transaction. Meanwhile another thread,
with its own connection, writes a row every 50 ms as other users' requests would, and
the longest wait and any failure are printed. The RESULT lines sum upload -> confirmed
and give the export's ratio to the raw write, in wall time and in CPU time.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import multiprocessing
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
    owners = [
        org["users"][name].label
        for name in ("mkt_staff", "prd_liaison", "dsn_liaison", "sal_liaison")
    ]
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


class OtherRequests:
    """Another process (its own connection, as a web worker has) writes and reads a row
    every 50 ms while an import runs; counts failures and the longest request."""

    def __init__(self, user_id: int):
        self.user_id = user_id
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._results, self._sender = context.Pipe(duplex=False)
        self._process = context.Process(target=self._run, daemon=True)
        self.waits: list[float] = []
        self.failures: list[str] = []

    def _run(self) -> None:
        from django.db import connections

        from collab.accounts.models import User

        connections.close_all()  # never share the parent's connection
        waits, failures = [], []
        while not self._stop.wait(0.05):
            start = time.perf_counter()
            try:
                User.objects.filter(pk=self.user_id).update(last_login=timezone_now())
                User.objects.filter(pk=self.user_id).values_list("pk").first()
            except Exception as error:  # a request that would have answered 500
                failures.append(repr(error))
            waits.append(time.perf_counter() - start)
        connections.close_all()
        self._sender.send((waits, failures))

    def __enter__(self):
        from django.db import connections

        connections.close_all()  # the child must not inherit an open connection
        self._process.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.waits, self.failures = self._results.recv()
        self._process.join()

    def summary(self) -> str:
        longest = max(self.waits, default=0.0)
        return (
            f"other requests during the import (another process): {len(self.waits)}, "
            f"{len(self.failures)} failed, longest {longest:.2f} s"
        )


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def edited_export(requirement, user) -> bytes:
    """The requirement's task export with every name changed, every second planned end
    moved and every third task set to 进行中, as a person edits a register."""
    from openpyxl import load_workbook

    from collab.spreadsheets.exports import write_register
    from collab.spreadsheets.registry import get_sheet

    sheet = get_sheet("tasks")
    handle = io.BytesIO()
    queryset = sheet.export_queryset(user, {}, requirement=requirement)
    write_register(sheet, queryset, handle, requirement=requirement)
    workbook = load_workbook(io.BytesIO(handle.getvalue()))
    ws = workbook[workbook.sheetnames[0]]
    for index, row in enumerate(ws.iter_rows(min_row=2)):
        row[1].value = f"{row[1].value}（改）"
        if index % 2:
            row[5].value = datetime.date(2024, 9, 20)
        if index % 3 == 0:
            row[7].value = "进行中"
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def import_round(label, data, requirement, actor, *, other_user):
    """upload + preview, then confirm; returns (preview, confirm) measurements."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from collab.spreadsheets.services import import_confirm, import_upload

    holder = {}

    def upload_and_preview():
        batch = import_upload(
            actor=actor,
            register="tasks",
            upload=SimpleUploadedFile("tasks.xlsx", data),
            requirement=requirement,
        )
        holder["batch"] = batch
        return {
            "rows": batch.total_rows,
            "create": batch.create_rows,
            "update": batch.update_rows,
            "errors": batch.error_rows,
        }

    def confirm():
        batch = import_confirm(batch=holder["batch"], actor=actor)
        return {"status": str(batch.status), "tasks": requirement.tasks.count()}

    with OtherRequests(other_user) as others:
        preview = measure(f"{label}: upload + preview (diff, checks)", upload_and_preview)
        applied = measure(f"{label}: confirm (bulk, one transaction)", confirm)
    print(others.summary(), flush=True)
    return preview, applied


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="export / raw write runs")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations of exports"
    )
    args = parser.parse_args()

    from django.db import connection

    from collab.spreadsheets.registry import get_sheet
    from requests_app.services import requirement_start
    from tests.factories import confirm_requirement, form_group, make_requirement

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs", flush=True)
    print(f"export rows: {args.export_rows}; import rows: {args.import_rows}", flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f}", flush=True)
    org, source = setup_requirement()
    director = org["users"]["director"]
    leader = org["users"]["mkt_head"]
    seed_tasks(org, source, args.export_rows)

    sheet = get_sheet("tasks")
    rows = list(sheet.export_rows(sheet.export_queryset(director, {}, requirement=source)))
    engine, raw = [], []
    for run in range(args.repeat):
        traced = args.tracemalloc and run == 0
        engine.append(
            measure(
                "export (engine: styled, row versions, print setup)",
                lambda: export_with_engine(source, director),
                traced=traced,
            )
        )
        raw.append(
            measure("raw openpyxl write_only, same rows", lambda: raw_write(rows), traced=traced)
        )
    rows.clear()
    best_engine = {key: min(item[key] for item in engine) for key in ("seconds", "cpu")}
    best_raw = {key: min(item[key] for item in raw) for key in ("seconds", "cpu")}

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
    other = org["users"]["ops_staff"].pk
    created = import_round("new tasks", data, target, leader, other_user=other)
    requirement_start(requirement=target, actor=leader)
    edited = edited_export(target, leader)
    updated = import_round("edited export", edited, target, leader, other_user=other)

    for label, (preview, applied) in (("new tasks", created), ("edited export", updated)):
        print(
            f"RESULT {connection.vendor}: {args.import_rows} task rows ({label}) upload -> "
            f"confirmed {preview['seconds'] + applied['seconds']:.2f} s wall, "
            f"{preview['cpu'] + applied['cpu']:.2f} s CPU",
            flush=True,
        )
    print(
        f"RESULT {connection.vendor}: export {args.export_rows} rows "
        f"{best_engine['seconds']:.2f} s = {best_engine['seconds'] / best_raw['seconds']:.2f} x "
        f"raw openpyxl write_only ({best_raw['seconds']:.2f} s), best of {args.repeat}; CPU "
        f"{best_engine['cpu']:.2f} s = {best_engine['cpu'] / best_raw['cpu']:.2f} x raw "
        f"({best_raw['cpu']:.2f} s)",
        flush=True,
    )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {maxrss:.0f} MB; load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
