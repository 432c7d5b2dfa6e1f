"""Every migration of Collab runs on a database holding the demo.

For each migration after an app's initial one, newest first, the app is migrated back to
the migration before it and forwards again, so that migration's forward (and backward)
operations run on real rows, not only on the empty test database. Rows of every table
that exists on both sides of the step survive it: the last release can be rolled back
(docs/operations.md).

A migration whose rollback would also unapply other apps (dropping their tables) gets its
own data test instead; those are listed in OWN_DATA_TESTS and checked to exist."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.conftest import require_postgres

ROOT = Path(__file__).resolve().parents[2]
OWN_DATA_TESTS = {
    ("requests_app", "0002_review_meeting_becomes_meeting"): "tests/meetings/test_migration.py",
}


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def project_migrations() -> list[tuple[str, str, str]]:
    """(app, migration, the migration before it) for every non-initial project migration,
    newest first within each app."""
    loader = MigrationLoader(connection)
    graph = loader.graph
    steps = []
    for app_label, name in sorted(graph.nodes, reverse=True):
        migration = loader.disk_migrations[(app_label, name)]
        module = Path(__import__(migration.__module__, fromlist=["_"]).__file__)
        if ROOT not in module.parents or ".venv" in module.parts:
            continue
        parents = [
            p for p_app, p in graph.node_map[(app_label, name)].parents if p_app == app_label
        ]
        if parents:
            steps.append((app_label, name, parents[0]))
    return steps


def touches_only(app_label: str, target: str) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    plan = MigrationExecutor(connection).migration_plan([(app_label, target)])
    return {migration.app_label for migration, _backwards in plan} == {app_label}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_migration_runs_on_the_demo(seed):
    require_postgres()
    steps = project_migrations()
    assert steps, "no app has a migration after its initial one"
    start = row_counts()
    assert start["requests_app_requirement"] > 0
    exercised = set()
    for app_label, name, previous in steps:
        if not touches_only(app_label, previous):
            continue
        before = row_counts()
        call_command("migrate", app_label, previous, verbosity=0)
        kept = set(row_counts())
        call_command("migrate", verbosity=0)
        after = row_counts()
        lost = {
            t: (before[t], after.get(t)) for t in kept & set(before) if after.get(t) != before[t]
        }
        assert lost == {}, f"rows changed stepping {app_label}.{name} back and forth"
        exercised.add((app_label, name))
    assert set(row_counts()) == set(start), "a table is missing after the steps"
    missing = {(a, n) for a, n, _p in steps} - exercised - set(OWN_DATA_TESTS)
    assert missing == set(), f"migrations not run on the demo: {sorted(missing)}"
    for path in OWN_DATA_TESTS.values():
        assert (ROOT / path).is_file(), path
