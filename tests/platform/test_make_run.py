"""`make run` on a copy of the project: migrates, loads the demo, serves the pages, runs a
Celery worker with embedded beat on the filesystem broker, and stops everything on SIGTERM.

The copy shares this checkout's virtualenv (`make -o .venv/.installed` skips the install
step), so the test takes seconds, not minutes; it runs on SQLite whatever the suite uses."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
SKIP = {".venv", ".git", "var", "db.sqlite3", "test-artifacts", ".hypothesis", ".ruff_cache"}
# Everything that would point `make run` away from its own defaults.
DROP = {
    "DATABASE_URL",
    "TEST_DATABASE_NAME",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "PORT",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
}

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (VENV / "bin" / "celery").exists(),
    reason="needs make and the project's .venv",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; log:\n{log.read_text()[-4000:]}")


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local URL)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def project_copy(tmp_path):
    copy = tmp_path / "collab"
    shutil.copytree(ROOT, copy, ignore=lambda directory, names: SKIP & set(names))
    (copy / ".venv").symlink_to(VENV)
    return copy


def test_make_run_serves_pages_and_runs_tasks(project_copy):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in DROP}
    env["ENV_FILE"] = str(project_copy / "no-such.env")
    log = project_copy / "make-run.log"
    with log.open("w") as out:
        make = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "run", f"PORT={port}"],
            cwd=project_copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_status(f"{base}/login/") == 200, 180, "the login page", log)
        wait_for(lambda: "ready." in log.read_text(), 60, "the worker", log)
        output = log.read_text()
        # The demo logins are printed.
        assert "collab-demo" in output
        for username in ("director", "mkt_staff", "cha_contact", "admin"):
            assert f"  {username} " in output
        assert "beat: Starting" in output
        assert (project_copy / "var" / "broker" / "out").is_dir()
        assert (project_copy / "var" / "broker" / "processed").is_dir()

        # A task sent through the filesystem broker is executed by the worker.
        call = subprocess.run(
            [
                str(VENV / "bin" / "celery"),
                *("-A", "collab", "call", "collab.notifications.tasks.run_alert_scans"),
            ],
            cwd=project_copy,
            env={**env, "DEBUG": "1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert call.returncode == 0, call.stderr
        task_id = call.stdout.strip().splitlines()[-1]
        wait_for(
            lambda: f"[{task_id}] succeeded" in log.read_text(),
            60,
            f"task {task_id} to run",
            log,
        )
        # Demo data is there: a demo user gets an API token with the published password.
        request = urllib.request.Request(  # noqa: S310 (local URL)
            f"{base}/api/v1/auth/token/",
            data=b'{"username": "mkt_staff", "password": "collab-demo"}',
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert b'"token"' in response.read()
    finally:
        # What `kill <make>` does: make forwards SIGTERM to the recipe, which stops
        # the worker (with its beat) and the server.
        make.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            make.poll()  # reap make itself; a zombie still counts as a group member
            if not group_alive(make.pid):
                break
            time.sleep(0.5)
        leftover = group_alive(make.pid)
        if leftover:
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=10)
    assert not leftover, f"processes survived SIGTERM to make; log:\n{log.read_text()[-4000:]}"
    assert http_status(f"http://127.0.0.1:{port}/login/") is None
