"""Bad uploads are refused with a reason and leave nothing behind: no rows, no files."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from documents.models import Document, DocumentVersion
from documents.services import document_add_version, document_create
from documents.validation import sanitize_name

from .conftest import PDF, PNG, office_bytes, stored_files, upload

BAD_UPLOADS = [
    pytest.param(upload("空文件.pdf", b""), "文件为空", id="empty"),
    pytest.param(upload("tool.exe", b"MZ\x90\x00" + b"\x00" * 64), "不支持的文件类型", id="exe"),
    pytest.param(upload("说明.txt", b"MZ\x90\x00" + b"\x00" * 64), "可执行文件", id="pe-as-txt"),
    pytest.param(upload("run.txt", b"#!/bin/sh\nrm -rf /\n"), "可执行文件", id="script-as-txt"),
    pytest.param(upload("海报.pdf", PNG, "application/pdf"), "内容识别为PNG 图片", id="png-as-pdf"),
    pytest.param(upload("报告.pdf", b"hello, not a pdf"), "内容识别为纯文本", id="text-as-pdf"),
    pytest.param(upload("表格.docx", office_bytes("xl/workbook.xml")), "Excel", id="xlsx-as-docx"),
    pytest.param(upload("压缩包.docx", b"PK\x03\x04garbage"), "无法识别", id="broken-zip"),
    pytest.param(upload("数据.bin", b"\x00\x01\x02"), "不支持的文件类型", id="unknown-ext"),
    pytest.param(upload("noextension", PDF), "无扩展名", id="no-extension"),
    pytest.param(upload("../../.pdf", PDF), "文件名无效", id="bad-name"),
    pytest.param(upload("CON.pdf", PDF), "文件名无效", id="reserved-name"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_UPLOADS)
def test_service_rejects_bad_upload_and_stores_nothing(
    people, requirement, document_store, bad, reason
):
    with pytest.raises(ValidationError) as caught:
        document_create(
            requirement=requirement,
            actor=people["sal_liaison"],
            title="活动方案",
            category="plan",
            upload=bad,
        )
    assert reason in " ".join(caught.value.message_dict["file"])
    assert Document.objects.count() == 0
    assert DocumentVersion.objects.count() == 0
    assert stored_files(document_store) == []


def test_too_big_is_rejected_with_the_limit(people, requirement, document_store, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024
    big = upload("大文件.pdf", PDF + b"0" * 2000)
    with pytest.raises(ValidationError) as caught:
        document_create(
            requirement=requirement,
            actor=people["sal_liaison"],
            title="大",
            category="other",
            upload=big,
        )
    message = caught.value.message_dict["file"][0]
    assert "文件过大" in message
    assert "上限为 1.0" in message
    assert stored_files(document_store) == []
    assert Document.objects.count() == 0


def test_allowed_types_come_from_settings(people, requirement, settings, document_store):
    settings.DOCUMENTS_ALLOWED_EXTENSIONS = ["pdf"]
    with pytest.raises(ValidationError) as caught:
        document_create(
            requirement=requirement,
            actor=people["sal_liaison"],
            title="图",
            category="other",
            upload=upload("图.png", PNG),
        )
    assert "允许的类型：pdf" in caught.value.message_dict["file"][0]
    assert stored_files(document_store) == []


def test_bad_new_version_keeps_the_document_as_it_was(people, requirement, document_store):
    owner = people["sal_liaison"]
    document = document_create(
        requirement=requirement, actor=owner, title="方案", category="plan", upload=upload()
    )
    before = stored_files(document_store)
    with pytest.raises(ValidationError):
        document_add_version(document=document, actor=owner, upload=upload("方案.pdf", PNG))
    document.refresh_from_db()
    assert document.versions.count() == 1
    assert document.current_version.number == 1
    assert stored_files(document_store) == before


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("方案.pdf", PDF, "application/pdf"),
        ("海报.PNG", PNG, "image/png"),
        ("照片.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 30, "image/jpeg"),
        (
            "纪要.docx",
            office_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "数据.xlsx",
            office_bytes("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("说明.txt", "活动需符合广告法".encode(), "text/plain"),
        ("名单.csv", "部门,人数\n市场部,3\n".encode("gb18030"), "text/csv"),
    ],
)
def test_good_uploads_are_stored_with_checksum(
    people, requirement, document_store, name, content, mime
):
    document = document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="文件",
        category="other",
        upload=upload(name, content, "application/octet-stream"),
    )
    version = document.current_version
    assert version.mime_type == mime
    assert version.size == len(content)
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    files = stored_files(document_store)
    assert len(files) == 1
    assert files[0].read_bytes() == content
    # The storage key is ours, never the uploaded name.
    assert name.split(".")[0] not in version.storage_key


def test_names_are_sanitized():
    assert sanitize_name("C:\\Users\\a\\方案 V1.PDF") == "方案 V1.pdf"
    assert sanitize_name("../../etc/passwd.txt") == "passwd.txt"
    assert sanitize_name('a<b>:"c|?*.txt') == "a_b___c___.txt"
    assert sanitize_name("  报告\x00\x07.pdf  ") == "报告__.pdf"
    long_name = sanitize_name("长" * 300 + ".docx")
    assert len(long_name) == 120
    assert long_name.endswith(".docx")


def test_page_upload_shows_reason_in_chinese_and_stores_nothing(
    client, people, requirement, document_store
):
    client.force_login(people["sal_liaison"])
    url = reverse("documents:create", args=[requirement.pk])
    response = client.post(
        url,
        {"title": "海报", "category": "deliverable", "file": upload("海报.pdf", PNG)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert "文件内容与扩展名不符" in response.json()["errors"]["file"][0]
    response = client.post(
        url, {"title": "", "category": "deliverable", "file": upload("空.pdf", b"")}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "文件为空" in body
    assert Document.objects.count() == 0
    assert stored_files(document_store) == []


def test_api_upload_errors_are_field_errors(api, people, requirement, document_store):
    client = api.as_user(people["sal_liaison"])
    response = client.post(
        "/api/v1/documents/",
        {
            "requirement": requirement.pk,
            "title": "方案",
            "category": "plan",
            "file": upload("tool.pdf", b"\x7fELF\x02\x01"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "可执行文件" in response.json()["file"][0]
    assert Document.objects.count() == 0
    assert stored_files(document_store) == []


def test_upload_is_multipart_and_every_other_write_is_json(api, people, requirement):
    client = api.as_user(people["sal_liaison"])
    fields = {"requirement": requirement.pk, "title": "方案", "category": "plan"}
    as_json = client.post("/api/v1/documents/", fields, format="json")
    assert as_json.status_code == 415
    created = client.post("/api/v1/documents/", {**fields, "file": upload()}, format="multipart")
    assert created.status_code == 201
    url = f"/api/v1/documents/{created.json()['id']}/"
    assert client.patch(url, {"title": "新方案"}, format="multipart").status_code == 415
    assert client.post(url + "versions/", {"note": "x"}, format="json").status_code == 415
    renamed = client.patch(url, {"title": "新方案"}, format="json")
    assert renamed.status_code == 200
    assert Document.objects.get().title == "新方案"
