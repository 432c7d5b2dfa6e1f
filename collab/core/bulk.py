"""Bulk work: reading rows by thousands of ids, inserting and updating many rows at
once, and pausing the cyclic garbage collector while a bulk step allocates.

Django's `bulk_update` writes one `CASE WHEN pk = … THEN …` per row and field: for
10,000 tasks and eight fields it costs 12–18 s of CPU in the query compiler alone.
`bulk_update_rows` sends one statement per batch instead,

    WITH v(pk, f1, f2) AS (VALUES (…), (…)) UPDATE t SET f1 = v.f1, f2 = v.f2
    FROM v WHERE t.pk = v.pk

which PostgreSQL and SQLite (3.33 and later) both run; other databases fall back to
Django's `bulk_update`. Values go through each field's `get_db_prep_save`, names are
quoted by the backend, and nothing else (no signals, no `auto_now`) happens, as with
`bulk_update`."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connections, router
from django.db.models import Lookup, Model

POSTGRES_BATCH = 1000  # rows per statement on PostgreSQL


class InList(Lookup):
    """`InList(F("task_id"), ids)`: the column is one of many plain values (ids), for
    reads by chunks of thousands of ids. Django's `__in` prepares every value again and
    psycopg scans a query with one placeholder per value (about 20 ms for 2,000 ids);
    here PostgreSQL gets the list as one array parameter (`= ANY(%s)`), other databases
    one placeholder per value, as given."""

    lookup_name = "in_list"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def bulk_update_rows(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object (identified by its primary key); returns the
    number of statements sent."""
    if not objs or not fields:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite"):
        model._base_manager.using(alias).bulk_update(objs, fields, batch_size=500)
        return -(-len(objs) // 500)
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    pk = meta.pk
    names = ["pk", *(f"v{index}" for index in range(len(concrete)))]
    if connection.vendor == "postgresql":
        # The VALUES list has no column types of its own (NULL alone would be text).
        sources = [
            f"CAST(v.{name} AS {field.cast_db_type(connection)})"
            for name, field in zip(names[1:], concrete, strict=True)
        ]
        batch = POSTGRES_BATCH
    else:
        sources = [f"v.{name}" for name in names[1:]]
        batch = max(1, (connection.features.max_query_params or 999) // len(names))
    assignments = ", ".join(
        f"{quote(field.column)} = {source}" for field, source in zip(concrete, sources, strict=True)
    )
    table = quote(meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            params = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                for field in concrete:
                    params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))
            # Table, column and alias names come from the model's metadata, quoted by
            # the backend; every value is a query parameter.
            sql = (
                f"WITH v({', '.join(names)}) AS (VALUES {', '.join([row_sql] * len(chunk))}) "  # noqa: S608
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{quote(pk.column)} = v.pk"
            )
            cursor.execute(sql, params)
            statements += 1
    return statements


def bulk_insert_rows(model: type[Model], objs: Sequence[Model]) -> int:
    """INSERT new rows, one statement per batch, when their ids are not needed back.
    Same values as `bulk_create` (each field's `pre_save` and `get_db_prep_save`) at a
    fraction of its cost: it sends values through the query compiler one by one (about
    half the time of storing 10,000 import rows). Returns the number of statements."""
    if not objs:
        return 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [  # the database numbers the rows (auto primary keys) and fills generated ones
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.db_returning) and not getattr(f, "generated", False)
    ]
    if connection.vendor == "postgresql":
        batch = POSTGRES_BATCH
    else:
        batch = max(1, (connection.features.max_query_params or 999) // len(fields))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            params = [
                field.get_db_prep_save(field.pre_save(obj, True), connection)
                for obj in chunk
                for field in fields
            ]
            # Table and column names come from the model's metadata, quoted by the
            # backend; every value is a query parameter.
            sql = (
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([row_sql] * len(chunk))}"
            )
            cursor.execute(sql, params)
            statements += 1
    return statements


@contextmanager
def collections_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one bulk step (an import check, an
    import, an export). Such a step allocates millions of small objects that live
    until it ends, and each allocation burst makes the collector walk the whole heap
    again: about half the CPU time of a 10,000-row import. Reference counting still
    frees everything as usual; the collector resumes when the step ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
