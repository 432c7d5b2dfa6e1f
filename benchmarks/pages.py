"""Server time and query count of every page of the biggest requirement (5,000 tasks in
the scale data), of the requirement list, and of every list endpoint, measured
in-process with Django's test client on the scale database (no network, no browser).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python manage.py seed_scale --database scale_collab      # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale_collab \\
        .venv/bin/python benchmarks/pages.py [--runs 5] [--user scale_director] [--debug]

Served with production settings (benchmarks/scale_env.py: DEBUG off, cached templates;
static files collected once under var/bench-static); --debug measures DEBUG=1.

Prints, per URL: median and best server time over the runs (after one warm-up), the
number of queries and the size of the answer.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale_env import ensure_static, production_env  # noqa: E402

if "--debug" not in sys.argv:  # production settings: cached templates, no debug cursor
    os.environ.update(production_env(os.environ["DATABASE_URL"]))
    ensure_static(dict(os.environ))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402


def biggest_requirement():
    from django.db.models import Count

    from requests_app.models import Requirement

    return Requirement.objects.annotate(n=Count("tasks")).order_by("-n").values_list("pk", "n")[0]


def urls(requirement_id: int) -> list[str]:
    from requests_app.tabs import TABS

    pages = [reverse(tab.url_name, args=[requirement_id]) for tab in TABS]
    if _has("tasks:kanban_column", requirement_id, "done"):
        pages.append(reverse("tasks:kanban_column", args=[requirement_id, "done"]) + "?offset=50")
    pages.append(f"/api/v1/requirements/{requirement_id}/gantt/?offset=500")
    pages.append(f"/api/v1/requirements/{requirement_id}/gantt/?groups=true")
    lists = [
        reverse("requirements:list"),
        reverse("requirements:list") + "?page=2",
        reverse("tasks:list"),
        reverse("tasks:list") + "?page=3",
        reverse("risks:list") if _has("risks:list") else None,
        "/api/v1/requirements/?page=2",
        "/api/v1/tasks/?page=2",
        "/api/v1/tasks/?pagination=cursor",
        f"/api/v1/tasks/?requirement={requirement_id}&page=20",
        "/api/v1/risks/?page=2",
        "/api/v1/meetings/?page=2",
        "/api/v1/plans/?page=2",
        "/api/v1/notifications/?page=2",
        "/api/v1/documents/",
        "/api/v1/reviews/acceptances/",
        "/api/v1/reviews/retrospectives/",
    ]
    return [u for u in pages + lists if u]


def _has(name: str, *args) -> bool:
    try:
        reverse(name, args=args or None)
    except Exception:  # an optional page
        return False
    return True


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int, int, int]:
    client.get(url)  # warm-up: templates, per-process caches
    times, queries, size, code = [], 0, 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, size, code = len(captured), len(response.content), response.status_code
    return statistics.median(times), min(times), queries, size, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="scale_director")
    parser.add_argument("--debug", action="store_true", help="development settings (DEBUG=1)")
    args = parser.parse_args()
    from collab.accounts.models import User

    requirement_id, count = biggest_requirement()
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    print(f"requirement {requirement_id} with {count:,} tasks; user {args.user}\n")
    print(f"{'url':70} {'median ms':>9} {'best ms':>8} {'queries':>7} {'KiB':>7} code")
    for url in urls(requirement_id):
        median, best, queries, size, code = measure(client, url, args.runs)
        print(f"{url:70} {median:>9.0f} {best:>8.0f} {queries:>7} {size / 1024:>7.0f} {code}")


if __name__ == "__main__":
    main()
