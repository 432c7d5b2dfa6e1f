"""Task deliverables, plans, minutes and the acceptance show their linked documents."""

import pytest
from django.urls import reverse

from documents.services import document_create
from meetings.models import Meeting
from reviews_app.models import Acceptance
from tasks_app.models import Plan, Task

from .conftest import upload


@pytest.mark.django_db
def test_linked_documents_appear_on_their_objects_pages(seed, client):
    requirement = seed["requirement"]
    leader = seed["users"]["mkt_head"]
    task = Task.objects.get(requirement=requirement, code="1.1")
    plan = Plan.objects.filter(requirement=requirement).first() or Plan.objects.get(
        task__requirement=requirement
    )
    meeting = Meeting.objects.filter(requirement_id=requirement.pk, kind="weekly").first()
    acceptance = Acceptance.objects.filter(requirement=requirement).first()
    pages = [
        (task, "deliverable", reverse("tasks:detail", args=[task.pk])),
        (plan, "plan", reverse("tasks:plan_detail", args=[plan.pk])),
        (meeting, "minutes", reverse("meetings:detail", args=[meeting.pk])),
        (acceptance, "acceptance", reverse("reviews:acceptance", args=[requirement.pk])),
    ]
    client.force_login(leader)
    for obj, category, url in pages:
        title = f"{category}-附件"
        before = client.get(url).content.decode()
        assert title not in before
        document_create(
            requirement=requirement,
            actor=leader,
            title=title,
            category=category,
            upload=upload(),
            link=obj,
        )
        page = client.get(url).content.decode()
        assert title in page, url
        assert "相关文档" in page
