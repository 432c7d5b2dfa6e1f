"""A backup of a database holding the demo and documents, restored into a new
PostgreSQL database and new storage folders, gives back every row (requirements,
history, …) and every document byte for byte."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import require_postgres
from tests.integration.test_celery_alerts import database_url
from tests.platform.test_settings import clean_env

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def table_rows(dsn: str) -> dict[str, list[tuple]]:
    """Every row of every table of the public schema, as text, in a stable order."""
    with psycopg.connect(dsn) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: sorted(
                tuple(str(value) for value in row)
                for row in conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            )
            for table in tables
        }


def files_of(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def restore_database():
    require_postgres()
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = psycopg.connect(libpq_dsn("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def libpq_dsn(name: str) -> str:
    parts = urllib.parse.urlsplit(database_url())
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_row_and_document(seed, settings, tmp_path, restore_database):
    from documents.services import document_create
    from tests.documents.conftest import office_bytes, upload

    source_docs, source_media = tmp_path / "documents", tmp_path / "media"
    settings.MEDIA_ROOT = str(source_media)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(source_media)},
        },
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(source_docs)},
        },
    }
    requirement = seed["requirement"]
    director = seed["users"]["director"]
    contents = [PDF + bytes(range(256)) * 40, office_bytes()]
    for index, content in enumerate(contents):
        document_create(
            requirement=requirement,
            actor=director,
            title=f"上线方案 {index}",
            category="plan",
            upload=upload(
                f"方案{index}.pdf" if index == 0 else "说明.docx",
                content,
                "application/pdf"
                if index == 0
                else "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        )
    assert len(files_of(source_docs)) == 2
    (source_media / "spreadsheets").mkdir(parents=True)
    (source_media / "spreadsheets" / "tasks.csv").write_bytes("编号,名称\n1.1,调研\n".encode())

    archive = tmp_path / "collab.tar"
    call_command("backup", str(archive))

    target_docs, target_media = tmp_path / "restored-documents", tmp_path / "restored-media"
    env = clean_env(
        DEBUG="1",
        DATABASE_URL=libpq_dsn(restore_database),
        DOCUMENTS_ROOT=str(target_docs),
        MEDIA_ROOT=str(target_media),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive), "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    source, restored = table_rows(database_url()), table_rows(libpq_dsn(restore_database))
    assert set(restored) == set(source)
    for table in ("requests_app_requirement", "requests_app_historicalrequirement"):
        assert source[table], table
    for table, rows in source.items():
        assert restored[table] == rows, table
    assert files_of(target_docs) == files_of(source_docs)
    assert files_of(target_media) == files_of(source_media)


@pytest.mark.django_db(transaction=True)
def test_backup_refuses_when_a_referenced_document_is_missing(seed, settings, tmp_path):
    require_postgres()
    from django.core.management.base import CommandError

    from documents.services import document_create
    from requests_app.models import Requirement
    from tests.documents.conftest import upload

    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    document = document_create(
        requirement=Requirement.objects.get(number="2024-MKT-001"),
        actor=seed["users"]["director"],
        title="方案",
        category="plan",
        upload=upload(),
    )
    (tmp_path / "documents" / document.current_version.storage_key).unlink()
    archive = tmp_path / "collab.tar"
    with pytest.raises(CommandError, match="missing from storage 'documents'"):
        call_command("backup", str(archive))
    assert not archive.exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    from django.core.management.base import CommandError

    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="not a Collab backup"):
        call_command("restore", str(bogus), "--noinput")
