"""Versions, checksums, downloads of old versions, the download log and history."""

import hashlib

from django.urls import reverse

from documents.models import DownloadLog
from documents.selectors import version_rows
from documents.services import document_add_version, document_create

from .conftest import PDF, stored_files, upload

V2 = PDF.replace(b"trailer", b"trailer % revised")


def make_document(people, requirement):
    return document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="推广活动方案",
        category="plan",
        upload=upload("推广活动方案V1.pdf", PDF),
        note="初稿",
    )


def test_each_upload_is_a_new_version_and_nothing_is_overwritten(
    people, requirement, document_store
):
    document = make_document(people, requirement)
    second = document_add_version(
        document=document,
        actor=people["mkt_head"],
        upload=upload("推广活动方案V2.pdf", V2),
        note="补充预算",
    )
    document.refresh_from_db()
    assert document.current_version == second
    assert [v.number for v in document.versions.order_by("number")] == [1, 2]
    first = document.versions.get(number=1)
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert second.sha256 == hashlib.sha256(V2).hexdigest()
    assert (first.author, second.author) == (people["sal_liaison"], people["mkt_head"])
    assert (first.note, second.note) == ("初稿", "补充预算")
    assert first.storage_key != second.storage_key
    contents = sorted(p.read_bytes() for p in stored_files(document_store))
    assert contents == sorted([PDF, V2])


def test_old_version_downloads_with_its_own_content_and_is_logged(client, people, requirement):
    document = make_document(people, requirement)
    document_add_version(
        document=document, actor=people["sal_liaison"], upload=upload("v2.pdf", V2)
    )
    reader = people["prd_liaison"]
    client.force_login(reader)

    old = client.get(reverse("documents:version_download", args=[document.pk, 1]))
    assert b"".join(old.streaming_content) == PDF
    assert "%E6%8E%A8%E5%B9%BF" in old["Content-Disposition"]  # 推广 in the file name
    assert old["Content-Type"] == "application/pdf"
    latest = client.get(reverse("documents:download", args=[document.pk]))
    assert b"".join(latest.streaming_content) == V2
    missing = client.get(reverse("documents:version_download", args=[document.pk, 9]))
    assert missing.status_code == 404

    log = list(DownloadLog.objects.order_by("id").values_list("user", "version__number", "channel"))
    assert log == [(reader.pk, 1, "web"), (reader.pk, 2, "web")]


def test_download_log_page_is_for_the_owner_side_only(client, people, requirement):
    document = make_document(people, requirement)
    client.force_login(people["prd_liaison"])
    client.get(reverse("documents:download", args=[document.pk]))
    assert client.get(reverse("documents:downloads", args=[document.pk])).status_code == 403
    client.force_login(people["sal_liaison"])
    page = client.get(reverse("documents:downloads", args=[document.pk]))
    assert page.status_code == 200
    assert people["prd_liaison"].label in page.content.decode()


def test_api_versions_download_and_log(api, people, requirement):
    document = make_document(people, requirement)
    owner = api.as_user(people["sal_liaison"])
    response = owner.post(
        f"/api/v1/documents/{document.pk}/versions/",
        {"file": upload("推广活动方案V2.pdf", V2), "note": "第二版"},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == 2
    assert body["sha256"] == hashlib.sha256(V2).hexdigest()
    assert body["size"] == len(V2)

    versions = owner.get(f"/api/v1/documents/{document.pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]

    first = owner.get(f"/api/v1/documents/{document.pk}/download/?version=1")
    assert b"".join(first.streaming_content) == PDF
    assert first["X-Checksum-SHA256"] == hashlib.sha256(PDF).hexdigest()
    assert owner.get(f"/api/v1/documents/{document.pk}/download/?version=x").status_code == 400

    log = owner.get(f"/api/v1/documents/{document.pk}/downloads/").json()["results"]
    assert [(e["user"], e["version"], e["channel"]) for e in log] == [
        (people["sal_liaison"].pk, 1, "api")
    ]


def test_version_list_shows_what_changed(people, requirement):
    document = make_document(people, requirement)
    document_add_version(
        document=document, actor=people["mkt_head"], upload=upload("新名称.pdf", V2)
    )
    document_add_version(
        document=document, actor=people["mkt_head"], upload=upload("新名称.pdf", V2)
    )
    rows = version_rows(document)
    assert [r["version"].number for r in rows] == [3, 2, 1]
    assert rows[0]["changes"] == []
    changed = {c["field"] for c in rows[1]["changes"]}
    assert changed == {"original_name", "size", "sha256", "author_id"}
    assert rows[2]["changes"] == []


def test_history_records_who_changed_what(client, api, people, requirement):
    document = make_document(people, requirement)
    client.force_login(people["sal_liaison"])
    page = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "创建文档" in page
    owner = api.as_user(people["sal_liaison"])
    detail = owner.get(f"/api/v1/documents/{document.pk}/")
    etag = detail["ETag"]
    changed = owner.patch(
        f"/api/v1/documents/{document.pk}/", {"title": "推广方案（定稿）"}, HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200
    stale = owner.patch(
        f"/api/v1/documents/{document.pk}/", {"title": "别的标题"}, HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    history = owner.get(f"/api/v1/documents/{document.pk}/history/").json()
    assert history[0]["reason"] == "修改文档信息"
    assert history[0]["history_user"] == people["sal_liaison"].label
    title = next(c for c in history[0]["changes"] if c["field"] == "title")
    assert (title["old"], title["new"]) == ("推广活动方案", "推广方案（定稿）")


def test_permissions_put_honours_if_match_and_keeps_history(api, org, people, requirement):
    document = make_document(people, requirement)
    owner = api.as_user(people["sal_liaison"])
    url = f"/api/v1/documents/{document.pk}/permissions/"
    current = owner.get(url)
    assert current.json() == {"group_access": "view", "grants": []}
    etag = current["ETag"]
    cha = org["departments"]["CHA"].pk
    body = {"group_access": "view", "grants": [{"department": cha, "level": "view"}]}
    assert owner.put(url, body, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert owner.put(url, body, format="json", HTTP_IF_MATCH=etag).status_code == 412
    bad = owner.put(url, {"group_access": "view", "grants": [{"level": "view"}]}, format="json")
    assert bad.status_code == 400
    grant = document.grants.get()
    assert grant.department_id == cha
    assert grant.history.first().history_user == people["sal_liaison"]
