"""The admin lists and opens every documents model; its actions use the services."""

import pytest
from django.urls import reverse

from documents.models import Document
from documents.services import document_create

from .conftest import upload


@pytest.fixture
def document(people, requirement):
    document = document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="验收报告",
        category="acceptance",
        upload=upload(),
    )
    return document


@pytest.mark.parametrize("model", ["document", "documentversion", "documentgrant", "downloadlog"])
def test_admin_pages_open(client, people, document, model):
    client.force_login(people["admin"])
    assert client.get(reverse(f"admin:documents_{model}_changelist")).status_code == 200


def test_admin_change_page_and_recycle_actions(client, people, document):
    client.force_login(people["admin"])
    assert (
        client.get(reverse("admin:documents_document_change", args=[document.pk])).status_code
        == 200
    )
    history = reverse("admin:documents_document_history", args=[document.pk])
    assert client.get(history).status_code == 200
    changelist = reverse("admin:documents_document_changelist")
    client.post(changelist, {"action": "move_to_recycle_bin", "_selected_action": [document.pk]})
    document.refresh_from_db()
    assert document.deleted_by == people["admin"]
    client.post(
        changelist, {"action": "restore_from_recycle_bin", "_selected_action": [document.pk]}
    )
    document.refresh_from_db()
    assert document.deleted_at is None
    assert Document.objects.count() == 1
