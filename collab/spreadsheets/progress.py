"""How far an import check, an import or an export is, stored on its row in the
database, where every process (web, worker) sees it."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connection, connections


class Progress:
    """Counts done steps out of `total` and stores them every EVERY steps.

    Outside a transaction the counter is written at once. Inside one (an import's
    single transaction) it goes through a connection of its own, committed at once,
    on PostgreSQL; on SQLite, where a second writer would wait for the first, it is
    only written between transactions."""

    EVERY = 200

    def __init__(self, model, pk: int, total: int):
        self.model, self.pk, self.total = model, pk, total
        self.done = 0
        self._side = None

    def start(self, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        self.done = 0
        self.write()

    def step(self, count: int = 1) -> None:
        before = self.done // self.EVERY
        self.done += count
        if self.done // self.EVERY != before:
            self.write()

    def write(self) -> None:
        fields = {"progress_done": self.done}
        if any(f.name == "progress_total" for f in self.model._meta.fields):
            fields["progress_total"] = self.total
        if not connection.in_atomic_block:
            self.model.objects.filter(pk=self.pk).update(**fields)
            return
        if connection.vendor == "sqlite":
            return
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = self.model._meta.db_table
        quote = self._side.ops.quote_name
        assignments = ", ".join(f"{quote(k)} = %s" for k in fields)
        # Names come from the model's own metadata, quoted; values are parameters.
        sql = f"UPDATE {quote(table)} SET {assignments} WHERE id = %s"  # noqa: S608
        with self._side.cursor() as cursor:
            cursor.execute(sql, [*fields.values(), self.pk])

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
