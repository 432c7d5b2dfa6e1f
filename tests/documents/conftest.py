import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from collab.accounts.models import User
from tests.factories import form_group, make_requirement

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def office_bytes(part: str = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<xml/>")
    return buffer.getvalue()


def upload(name: str = "方案.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def document_store(settings, tmp_path):
    """Every test stores files in its own folder, so a test can see exactly what was
    written."""
    root = tmp_path / "documents"
    # Demo users are created per test; a fast hasher keeps that cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def people(org):
    users = dict(org["users"])
    users["outsider"] = User.objects.create_user("outsider", password="pass-12345")
    return users


@pytest.fixture
def requirement(org, people):
    """A requirement of MKT with PRD, SAL and the partner CHA; group led by mkt_head,
    liaisons prd_liaison, sal_liaison and cha_contact."""
    return form_group(org, make_requirement(org))
