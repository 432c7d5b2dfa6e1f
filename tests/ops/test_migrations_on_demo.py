"""Each app's latest migration runs backwards and forwards again on a database holding
the demo: the last release can be rolled back (docs/operations.md) and its migrations
work on real rows, not only on the empty test database.

A latest migration whose rollback would also unapply other apps (dropping their tables)
is left out here; such a migration gets its own data test (e.g.
tests/meetings/test_migration.py)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import require_postgres


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def latest_steps() -> list[tuple[str, str]]:
    """(app, migration before its latest) for every app with more than one migration."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    steps = []
    for app_label, leaf in sorted(graph.leaf_nodes()):
        parents = [
            name
            for parent_app, name in graph.node_map[(app_label, leaf)].parents
            if parent_app == app_label
        ]
        if not parents:
            continue
        plan = executor.migration_plan([(app_label, parents[0])])
        if {migration.app_label for migration, _backwards in plan} == {app_label}:
            steps.append((app_label, parents[0]))
    return steps


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_latest_migrations_run_backwards_and_forwards_on_the_demo(seed):
    require_postgres()
    steps = latest_steps()
    assert steps, "no app has a migration after its initial one"
    before = row_counts()
    assert before["requests_app_requirement"] > 0
    for app_label, previous in steps:
        call_command("migrate", app_label, previous, verbosity=0)
        call_command("migrate", verbosity=0)
    after = row_counts()
    assert {
        table: (before.get(table), n) for table, n in after.items() if n != before.get(table)
    } == {}
