"""Chromium paint times of the Gantt and kanban pages of big requirements, served by
gunicorn (2 workers, production settings) on a scale database.

For each requirement it prints, per page and median over the runs: the server's answer
(responseEnd), first contentful paint, and "drawn": the moment the chart's bars or the
board's cards are on screen (two animation frames after they exist), all from
navigation start.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/paint.py --db scale_collab [--db scale_small] [--runs 3]

Requirements measured: in each database, the one with the most tasks (the full fixture
has one with 5,000, the --small one one with 2,000).
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_lists import gunicorn, with_db
from scale_env import ROOT, ensure_static, production_env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PAGES = {"gantt": ("gantt", "#gantt .bar-wrapper"), "kanban": ("kanban", ".kanban-card")}
DRAWN = """selector => new Promise(resolve => {
  const check = () => document.querySelector(selector)
    ? requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))
    : setTimeout(check, 5);
  check();
})"""
TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {response: nav.responseEnd, fcp: fcp ? fcp.startTime : null};
}"""


def biggest(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT requirement_id, count(*) FROM tasks_app_task GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        ).fetchone()


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", required=True, help="scale database name")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--user", default="scale_director")
    parser.add_argument("--password", default="collab-demo")
    parser.add_argument("--port", type=int, default=8720)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    print(f"{'tasks':>6} {'page':7} {'server ms':>9} {'FCP ms':>7} {'drawn ms':>9} {'KiB':>6}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for port, name in enumerate(args.db, start=args.port):
            url = with_db(server, name)
            env = {**production_env(url), "CONN_MAX_AGE": "60"}
            ensure_static(env)
            requirement, tasks = biggest(url)
            with gunicorn(["collab.wsgi:application"], env, port, ROOT) as base:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(base + "/login/")
                page.fill("input[name=username]", args.user)
                page.fill("input[name=password]", args.password)
                page.click("form [type=submit]")
                page.wait_for_load_state()
                for label, (path, selector) in PAGES.items():
                    target = f"{base}/tasks/requirement/{requirement}/{path}/"
                    page.goto(target)  # warm: templates, static files, caches
                    figures = []
                    for _ in range(args.runs):
                        response = page.goto(target, wait_until="commit")
                        drawn = page.evaluate(DRAWN, selector)
                        timing = page.evaluate(TIMING)
                        size = len(response.body())
                        figures.append((timing["response"], timing["fcp"] or 0, drawn, size))
                    server_ms, fcp, drawn, size = (
                        statistics.median(f[i] for f in figures) for i in range(4)
                    )
                    fcp_text = f"{fcp:.0f}" if fcp else "-"  # no entry: painted with the DOM
                    print(
                        f"{tasks:>6} {label:7} {server_ms:>9.0f} {fcp_text:>7} {drawn:>9.0f} "
                        f"{size / 1024:>6.0f}",
                        flush=True,
                    )
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
