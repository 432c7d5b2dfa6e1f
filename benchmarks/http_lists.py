"""List endpoints over HTTP at company scale, side by side with a bare-Django floor.

Starts gunicorn (2 workers, production settings) on the scale database and the bare
floor (`bare_floor.py`: plain Django, one SQL query, 50 task-shaped rows and a count) on
the same PostgreSQL, then drives them alternately with wrk: for each endpoint the floor
runs, then the endpoint, so both see the same machine load. Prints requests/s of each
list endpoint and its ratio to the floor run just before it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python manage.py seed_scale --database scale_collab     # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/http_lists.py --scale-db scale_collab \\
        [--floor-db bench_floor] [--duration 10] [--floor /path/to/bare_floor.py]

wrk is installed with apt-get when missing. The floor's table is built once in its own
database (`bare_floor.py setup`).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_env import ROOT, ensure_static, production_env

ENDPOINTS = [
    "/api/v1/tasks/?page=2",
    "/api/v1/risks/?page=2",
    "/api/v1/requirements/?page=2",
    "/api/v1/meetings/?page=2",
    "/api/v1/plans/?page=2",
    "/api/v1/notifications/?page=2",
    "/api/v1/tasks/?pagination=cursor",
]
FLOOR_CANDIDATES = [
    ROOT.parent / "shared" / "bench" / "bare_floor.py",
    Path("/work/shared/bench/bare_floor.py"),
]


def with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlparse(url)
    return urllib.parse.urlunparse(parts._replace(path="/" + name))


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get)…", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def ensure_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(with_db(server_url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_floor_table(floor: Path, url: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        ready = conn.execute("SELECT to_regclass('bare_task')").fetchone()[0]
    if not ready:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, floor.name, "setup"], cwd=floor.parent, env=env, check=True)


@contextmanager
def gunicorn(args: list[str], env: dict, port: int, cwd: Path):
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *args,
    ]
    process = subprocess.Popen(command, cwd=cwd, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # it answers (404 or 302 is fine)
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def token(base: str, username: str, password: str) -> str:
    import json

    request = urllib.request.Request(
        base + "/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def wrk(binary: str, url: str, duration: int, headers: list[str]) -> tuple[float, int]:
    command = [binary, "-t2", "-c8", f"-d{duration}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale-db", default="scale_collab")
    parser.add_argument("--floor-db", default="bench_floor")
    parser.add_argument("--floor", type=Path, help="path of bare_floor.py")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--user", default="scale_director")
    parser.add_argument("--password", default="collab-demo")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--only", nargs="*", help="endpoints to measure (default: all)")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    floor = args.floor or next((p for p in FLOOR_CANDIDATES if p.exists()), None)
    if floor is None:
        sys.exit("bare_floor.py not found: pass --floor")
    binary = ensure_wrk()
    ensure_database(server, args.floor_db)
    floor_url = with_db(server, args.floor_db)
    ensure_floor_table(floor, floor_url)
    app_env = {**production_env(with_db(server, args.scale_db)), "CONN_MAX_AGE": "60"}
    ensure_static(app_env)
    floor_env = {**os.environ, "DATABASE_URL": floor_url}
    endpoints = args.only or ENDPOINTS
    with (
        gunicorn(["collab.wsgi:application"], app_env, args.port, ROOT) as app,
        gunicorn(["bare_floor:application"], floor_env, args.port + 1, floor.parent) as bare,
    ):
        auth = [f"Authorization: Token {token(app, args.user, args.password)}"]
        floor_page = bare + "/tasks/?page=2"
        for url in [floor_page] + [app + e for e in endpoints]:  # warm both
            wrk(binary, url, 1, auth if url.startswith(app) else [])
        print(f"wrk -t2 -c8 -d{args.duration}s; gunicorn -w 2 each; same PostgreSQL\n")
        print(f"{'endpoint':40} {'req/s':>8} {'floor req/s':>12} {'ratio':>7} {'errors':>7}")
        for endpoint in endpoints:
            floor_rate, _ = wrk(binary, floor_page, args.duration, [])
            rate, errors = wrk(binary, app + endpoint, args.duration, auth)
            ratio = rate / floor_rate if floor_rate else 0
            print(
                f"{endpoint:40} {rate:>8.1f} {floor_rate:>12.1f} {ratio:>6.0%} {errors:>7}",
                flush=True,
            )


if __name__ == "__main__":
    main()
