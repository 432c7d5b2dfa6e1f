"""The document store is chosen by environment: a private local folder by default,
any S3-compatible bucket with DOCUMENTS_STORAGE=s3."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup();"
    "from django.conf import settings;"
    "from django.core.files.storage import storages;"
    "s = storages['documents'];"
    "print(type(s).__module__ + '.' + type(s).__name__);"
    "print(getattr(s, 'bucket_name', '') or s.location);"
    "print(getattr(s, 'default_acl', ''), getattr(s, 'querystring_auth', ''))"
)


def probe(**variables) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCUMENTS_")}
    env.update(DJANGO_SETTINGS_MODULE="collab.settings", DEBUG="1", **variables)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.rstrip("\n").splitlines()


def test_default_store_is_a_private_folder_outside_media():
    backend, location, _ = probe()
    assert backend == "django.core.files.storage.filesystem.FileSystemStorage"
    assert location.endswith("var/documents")
    assert "media" not in location


def test_s3_store_from_environment():
    backend, bucket, options = probe(
        DOCUMENTS_STORAGE="s3",
        DOCUMENTS_S3_BUCKET="collab-docs",
        DOCUMENTS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert backend == "storages.backends.s3.S3Storage"
    assert bucket == "collab-docs"
    assert options == "private True"
