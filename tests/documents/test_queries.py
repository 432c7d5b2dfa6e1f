"""List pages and the list endpoint run the same number of queries for 5 and 50 rows."""

import pytest
from django.urls import reverse

from documents.models import Access
from documents.services import GrantSpec, document_create, document_set_permissions

from .conftest import upload

# Measured once; a new per-row query makes these fail for 50 rows.
INDEX_PAGE_QUERIES = 7
REQUIREMENT_TAB_QUERIES = 13  # 9, plus 4 for the requirement's step and next actions
API_LIST_QUERIES = 5


def make_documents(org, people, requirement, count):
    owner = people["sal_liaison"]
    for index in range(count):
        document = document_create(
            requirement=requirement,
            actor=owner,
            title=f"文档{index:02d}",
            category=["plan", "minutes", "deliverable"][index % 3],
            upload=upload(f"文档{index}.pdf"),
        )
        document_set_permissions(
            document=document,
            actor=owner,
            group_access=Access.VIEW,
            grants=[
                GrantSpec(level=Access.VIEW, department=org["departments"]["CHA"]),
                GrantSpec(level=Access.EDIT, user=people["prd_liaison"]),
            ],
        )


@pytest.mark.parametrize("count", [5, 50])
def test_index_page_queries(client, org, people, requirement, count, django_assert_num_queries):
    make_documents(org, people, requirement, count)
    client.force_login(people["prd_liaison"])
    url = reverse("documents:index")
    with django_assert_num_queries(INDEX_PAGE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("data-document=") == count


@pytest.mark.parametrize("count", [5, 50])
def test_requirement_tab_queries(
    client, org, people, requirement, count, django_assert_num_queries
):
    make_documents(org, people, requirement, count)
    client.force_login(people["cha_contact"])
    url = reverse("documents:requirement", args=[requirement.pk])
    with django_assert_num_queries(REQUIREMENT_TAB_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("data-document=") == count


@pytest.mark.parametrize("count", [5, 50])
def test_api_list_queries(api, org, people, requirement, count, django_assert_num_queries):
    make_documents(org, people, requirement, count)
    client = api.as_user(people["prd_liaison"])
    url = f"/api/v1/documents/?requirement={requirement.pk}&page_size=100"
    with django_assert_num_queries(API_LIST_QUERIES):
        response = client.get(url)
    body = response.json()
    assert body["count"] == count
    assert all(d["can_edit"] for d in body["results"])
