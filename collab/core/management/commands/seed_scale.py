"""Build company-scale data in a database you name (PostgreSQL), for benchmarks:

    manage.py seed_scale --database scale_collab            # 200,000 tasks, in minutes
    manage.py seed_scale --database scale_collab --small    # 5,000 tasks
    manage.py seed_scale --database scale_collab --rebuild  # drop and build again

The database is created and migrated when missing, on the server of DATABASE_URL. Every
seeded person signs in with the demo password; `scale_director` is the coordinator.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from collab.core.scale_fixture import SMALL, Sizes, build


class Command(BaseCommand):
    help = "Build company-scale data (2,000 requirements, 200,000 tasks…) in a named database."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", required=True, help="database name to build in")
        parser.add_argument("--small", action="store_true", help="5,000 tasks instead of 200,000")
        parser.add_argument("--rebuild", action="store_true", help="drop the database first")
        parser.add_argument("--tasks", type=int, help="number of tasks (overrides the size)")

    def handle(self, *args, database, small, rebuild, tasks, **options):
        if connection.vendor != "postgresql":
            raise CommandError("PostgreSQL only: set DATABASE_URL=postgres://…")
        name = database
        if not name.replace("_", "").isalnum():
            raise CommandError("database name: letters, digits and underscores only")
        with connection._nodb_cursor() as cursor:
            if rebuild:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connections.close_all()
        connections["default"].settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False)
        from django.apps import apps

        existing = apps.get_model("tasks_app.Task").objects.count()
        if existing:
            self.stdout.write(f"{name} already holds {existing:,} tasks (--rebuild builds again)")
            return
        sizes = SMALL if small else Sizes()
        if tasks:
            sizes = Sizes(**{**sizes.__dict__, "tasks": tasks})
        counts = build(sizes, log=self.stdout.write)
        for table, count in counts.items():
            self.stdout.write(f"{table:32} {count:>9,}")
