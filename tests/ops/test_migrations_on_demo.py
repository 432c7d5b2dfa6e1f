"""Every migration of Collab runs on a database holding the demo.

For each migration after an app's initial one, oldest first, the app is migrated back to
the migration before it and forwards again, so that migration and every one unapplied
with it (in any app) run backwards and forwards on real rows, not only on the empty test
database. Rows of every table that exists on both sides of the step survive it, except
where LOSSY_ROLLBACK says why not: the last release can be rolled back
(docs/operations.md).

A migration whose rollback would unapply an initial migration (dropping tables) gets its
own data test instead; those are listed in OWN_DATA_TESTS and checked to exist."""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.conftest import require_postgres

ROOT = Path(__file__).resolve().parents[2]
# Rolling these back discards rows of their own app's tables on purpose (documented in
# the migration); their forward run is still exercised on the demo.
LOSSY_ROLLBACK = {
    ("notifications", "0005_events_watches_languages"): "alerts that differ only by event",
}
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
    oldest first within each app."""
    loader = MigrationLoader(connection)
    graph = loader.graph
    steps = []
    for app_label, name in sorted(graph.nodes):
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


def rollback_plan(app_label: str, target: str) -> set[tuple[str, str]]:
    """The migrations that migrating `app_label` back to `target` unapplies."""
    from django.db.migrations.executor import MigrationExecutor

    plan = MigrationExecutor(connection).migration_plan([(app_label, target)])
    if any(migration.initial for migration, _backwards in plan):
        return set()  # would drop other apps' tables: covered by OWN_DATA_TESTS
    return {(migration.app_label, migration.name) for migration, _backwards in plan}


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
        if (app_label, name) in exercised:
            continue  # unapplied and run again by an earlier step
        unapplied = rollback_plan(app_label, previous)
        if not unapplied:
            continue
        before = row_counts()
        try:
            call_command("migrate", app_label, previous, verbosity=0)
            kept = set(row_counts())
        finally:
            call_command("migrate", verbosity=0)  # never leave the database half migrated
        after = row_counts()
        compared = kept & set(before)
        if unapplied & set(LOSSY_ROLLBACK):
            models = [
                model
                for app, _name in unapplied & set(LOSSY_ROLLBACK)
                for model in apps.get_app_config(app).get_models()
            ]
            own = {m._meta.db_table for m in models}
            own |= {
                f.remote_field.through._meta.db_table for m in models for f in m._meta.many_to_many
            }
            compared -= own
        lost = {t: (before[t], after.get(t)) for t in compared if after.get(t) != before[t]}
        assert lost == {}, f"rows changed stepping {app_label}.{name} back and forth"
        exercised |= unapplied  # every migration the step unapplied ran again on the demo
    assert set(row_counts()) == set(start), "a table is missing after the steps"
    missing = {(a, n) for a, n, _p in steps} - exercised - set(OWN_DATA_TESTS)
    assert missing == set(), f"migrations not run on the demo: {sorted(missing)}"
    for path in OWN_DATA_TESTS.values():
        assert (ROOT / path).is_file(), path
