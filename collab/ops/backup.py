"""Backups: the database and every file storage in one tar archive.

The database is dumped with pg_dump (custom format) from a snapshot exported by a
REPEATABLE READ transaction; within that same snapshot the backup reads which files the
rows reference (FileFields, plus settings.BACKUP_FILE_REFERENCES) and fails if one of
them cannot be copied, so an archive never holds a row whose file is missing. Files are
stored once written and never changed, so copying them after the dump is consistent.

Archive layout: database.dump (PostgreSQL) or database.sqlite3, files/<storage>/<name>,
and manifest.json (SHA-256 and size of every member) written last.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _storage_aliases() -> list[str]:
    return [alias for alias in settings.STORAGES if alias != "staticfiles"]


def walk(storage, path: str = "") -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a local storage nothing was written to yet
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from walk(storage, f"{path}/{directory}" if path else directory)


def referenced_files() -> dict[str, set[str]]:
    """Storage alias -> file names the database refers to (read inside the snapshot)."""
    references: dict[str, set[str]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                alias = _alias_of(field.storage)
                names = model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                )
                references.setdefault(alias, set()).update(n for n in names if n)
    for alias, paths in getattr(settings, "BACKUP_FILE_REFERENCES", {}).items():
        for dotted in paths:
            app_label, model_name, field_name = dotted.split(".")
            model = apps.get_model(app_label, model_name)
            names = model._default_manager.values_list(field_name, flat=True)
            references.setdefault(alias, set()).update(n for n in names if n)
    return references


def _alias_of(storage) -> str:
    for alias in _storage_aliases():
        if storages[alias] is storage:
            return alias
    return "default"


class _Hashing:
    """A file being read into the archive, hashed on the way."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


class _Writer:
    def __init__(self, archive: tarfile.TarFile):
        self.archive = archive
        self.manifest: dict[str, dict] = {}

    def add_stream(self, name: str, handle, size: int) -> None:
        hashing = _Hashing(handle)
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
        info.mode = 0o600
        self.archive.addfile(info, hashing)
        self.manifest[name] = {"sha256": hashing.digest.hexdigest(), "size": size}

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))


def backup(output: Path) -> dict:
    """Write the archive to `output`; returns the manifest."""
    vendor = connection.vendor
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(output, "w") as archive:
        writer = _Writer(archive)
        if vendor == "postgresql":
            dump = Path(scratch) / "database.dump"
            references = _dump_postgres(dump)
            dump_name = "database.dump"
        elif vendor == "sqlite":
            dump = Path(scratch) / "database.sqlite3"
            references = _dump_sqlite(dump)
            dump_name = "database.sqlite3"
        else:
            raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
        with open(dump, "rb") as handle:
            writer.add_stream(dump_name, handle, dump.stat().st_size)
        counts = {}
        for alias in _storage_aliases():
            storage = storages[alias]
            copied = set()
            for name in walk(storage):
                with storage.open(name, "rb") as handle:
                    writer.add_stream(f"files/{alias}/{name}", handle, storage.size(name))
                copied.add(name)
            missing = sorted(references.get(alias, set()) - copied)
            if missing:
                raise BackupError(
                    f"{len(missing)} file(s) referenced in the database are missing from "
                    f"storage {alias!r}, e.g. {missing[0]!r}"
                )
            counts[alias] = len(copied)
        manifest = {
            "format": 1,
            "created_at": datetime.datetime.now(tz=datetime.UTC).isoformat(),
            "database": dump_name,
            "migrations": sorted(
                f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
            ),
            "files": counts,
            "members": writer.manifest,
        }
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        info.mode = 0o600
        archive.addfile(info, io.BytesIO(data))
    return manifest


def _dump_postgres(target: Path) -> dict[str, set[str]]:
    db = connection.settings_dict
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        result = subprocess.run(  # noqa: S603
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                *_pg_args(db),
                str(db["NAME"]),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return referenced_files()


def _dump_sqlite(target: Path) -> dict[str, set[str]]:
    connection.ensure_connection()
    with transaction.atomic():
        references = referenced_files()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
    return references


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise BackupError("the archive has no manifest.json")
            return json.loads(member.read())
    except (tarfile.TarError, KeyError) as error:
        raise BackupError(f"cannot read the archive ({error})") from error


def restore(archive_path: Path) -> dict:
    """Restore the archive into the configured database and storages. Every member is
    checked against the manifest before anything is written."""
    manifest = read_manifest(archive_path)
    members = manifest["members"]
    with tarfile.open(archive_path, "r") as archive:
        for info in archive:
            if info.name == "manifest.json":
                continue
            expected = members.get(info.name)
            handle = archive.extractfile(info)
            if expected is None or handle is None:
                raise BackupError(f"unexpected member {info.name!r} in the archive")
            digest = hashlib.sha256()
            for chunk in iter(lambda h=handle: h.read(CHUNK), b""):
                digest.update(chunk)
            if digest.hexdigest() != expected["sha256"]:
                raise BackupError(f"{info.name!r} does not match its checksum")
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive_path, "r") as archive:
        database = manifest["database"]
        archive.extract(database, scratch, filter="data")
        dump = Path(scratch) / database
        if database == "database.dump":
            _restore_postgres(dump)
        else:
            _restore_sqlite(dump)
        restored = 0
        for info in archive:
            if not info.name.startswith("files/"):
                continue
            _prefix, alias, name = info.name.split("/", 2)
            storage = storages[alias]
            if storage.exists(name):
                storage.delete(name)
            handle = archive.extractfile(info)
            saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"storage {alias!r} stored {name!r} as {saved!r}")
            restored += 1
    return {"files": restored, "migrations": len(manifest["migrations"])}


def _restore_postgres(dump: Path) -> None:
    if connection.vendor != "postgresql":
        raise BackupError("this archive holds a PostgreSQL dump; DATABASE_URL is not PostgreSQL")
    db = connection.settings_dict
    connection.close()
    result = subprocess.run(  # noqa: S603
        [
            shutil.which("pg_restore") or "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={db['NAME']}",
            *_pg_args(db),
            str(dump),
        ],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _restore_sqlite(dump: Path) -> None:
    if connection.vendor != "sqlite":
        raise BackupError("this archive holds a SQLite database; DATABASE_URL is not SQLite")
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
