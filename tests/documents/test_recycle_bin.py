"""Deleting moves to the recycle bin; the leader or staff restore within the retention
period; purge clears older entries with their files."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from documents.models import Document, DocumentVersion
from documents.services import (
    document_create,
    document_delete,
    document_restore,
    documents_purge_expired,
)

from .conftest import stored_files, upload

NOW = datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def document(people, requirement):
    return document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="会议纪要",
        category="minutes",
        upload=upload(),
    )


def test_member_cannot_delete_owner_can_and_it_disappears(api, people, document):
    member = api.as_user(people["prd_liaison"])
    assert member.delete(f"/api/v1/documents/{document.pk}/").status_code == 403
    owner = api.as_user(people["sal_liaison"])
    assert owner.delete(f"/api/v1/documents/{document.pk}/").status_code == 204
    document.refresh_from_db()
    assert document.deleted_by == people["sal_liaison"]
    assert owner.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert owner.get(f"/api/v1/documents/{document.pk}/download/").status_code == 404
    assert owner.get("/api/v1/documents/").json()["count"] == 0


def test_only_leader_or_staff_restore(api, client, people, requirement, document):
    document_delete(document=document, actor=people["sal_liaison"])
    with pytest.raises(PermissionDenied):
        document_restore(document=document, actor=people["sal_liaison"])
    owner = api.as_user(people["sal_liaison"])
    assert owner.post(f"/api/v1/documents/{document.pk}/restore/").status_code == 404

    client.force_login(people["mkt_head"])
    bin_page = client.get(reverse("documents:recycle_bin", args=[requirement.pk]))
    assert f'data-document="{document.pk}"' in bin_page.content.decode()
    response = client.post(reverse("documents:restore", args=[document.pk]))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.deleted_at is None
    reasons = list(document.history.values_list("history_change_reason", flat=True))
    assert "移入回收站" in reasons and "从回收站恢复" in reasons

    client.force_login(people["prd_liaison"])
    assert client.get(reverse("documents:recycle_bin", args=[requirement.pk])).status_code == 403


def test_restore_and_purge_follow_the_retention_period(
    api, people, document, settings, document_store, django_capture_on_commit_callbacks
):
    settings.DOCUMENTS_RECYCLE_DAYS = 30
    kept = document_create(
        requirement=document.requirement,
        actor=people["sal_liaison"],
        title="仍在保留期",
        category="other",
        upload=upload("b.pdf"),
    )
    with time_machine.travel(NOW, tick=False):
        document_delete(document=document, actor=people["sal_liaison"])
    with time_machine.travel(NOW + datetime.timedelta(days=25), tick=False):
        document_delete(document=kept, actor=people["sal_liaison"])
    assert len(stored_files(document_store)) == 2

    with time_machine.travel(NOW + datetime.timedelta(days=31), tick=False):
        with pytest.raises(ValidationError) as caught:
            document_restore(document=document, actor=people["mkt_head"])
        assert "已超过回收站保留期" in caught.value.messages[0]
        leader = api.as_user(people["mkt_head"])
        response = leader.post(f"/api/v1/documents/{document.pk}/restore/")
        assert response.status_code == 400
        bin_items = leader.get("/api/v1/documents/recycle-bin/").json()["results"]
        assert {d["id"] for d in bin_items} == {document.pk, kept.pk}

        # Files go once the deletion is committed.
        with django_capture_on_commit_callbacks(execute=True):
            assert documents_purge_expired() == 1

    assert not Document.objects.filter(pk=document.pk).exists()
    assert not DocumentVersion.objects.filter(document_id=document.pk).exists()
    assert Document.objects.filter(pk=kept.pk).exists()
    assert len(stored_files(document_store)) == 1
    # The deletion itself stays in the history.
    assert Document.history.filter(id=document.pk, history_type="-").exists()


def test_purge_command(people, document, document_store, django_capture_on_commit_callbacks):
    document_delete(document=document, actor=people["sal_liaison"])
    Document.objects.filter(pk=document.pk).update(
        deleted_at=timezone.now() - datetime.timedelta(days=400)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_documents")
    assert not Document.objects.filter(pk=document.pk).exists()
    assert stored_files(document_store) == []
