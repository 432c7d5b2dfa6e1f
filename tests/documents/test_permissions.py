"""The permission matrix: who can list, view, download, upload a version and change
the permissions of a document, through the API and the pages."""

import pytest
from django.urls import reverse

from documents.models import Access
from documents.services import GrantSpec, document_create, document_set_permissions

from .conftest import PDF, upload

ALL = {"list": True, "view": True, "download": True, "upload": True, "permissions": True}
READ = {"list": True, "view": True, "download": True, "upload": False, "permissions": False}
READ_WRITE = {**READ, "upload": True}
NOTHING = dict.fromkeys(ALL, False)


def share(document, actor, *, departments=(), users=(), level=Access.VIEW, group=Access.VIEW):
    document_set_permissions(
        document=document,
        actor=actor,
        group_access=group,
        grants=[GrantSpec(level=level, department=d) for d in departments]
        + [GrantSpec(level=level, user=u) for u in users],
    )


# (case id, username acting, how the document is shared, expected rights)
CASES = [
    ("owner", "sal_liaison", None, ALL),
    ("group-leader", "mkt_head", None, ALL),
    ("staff", "admin", None, ALL),
    ("group-member", "prd_liaison", None, READ),
    ("coordinator", "director", None, READ),
    ("head-of-involved-department", "prd_head", None, READ),
    ("group-member-when-group-may-edit", "prd_liaison", "group-edit", READ_WRITE),
    ("group-member-when-group-hidden", "prd_liaison", "group-none", NOTHING),
    ("other-department", "tec_staff", None, NOTHING),
    ("other-department-shared-with-department", "tec_staff", "TEC-view", READ),
    ("other-department-shared-with-person", "tec_staff", "tec_staff-edit", READ_WRITE),
    ("partner-without-share", "cha_contact", None, NOTHING),
    ("partner-shared-view", "cha_contact", "CHA-view", READ),
    ("partner-shared-edit", "cha_contact", "CHA-edit", READ_WRITE),
    ("partner-when-group-may-edit", "cha_contact", "group-edit", NOTHING),
    ("outsider", "outsider", None, NOTHING),
]


@pytest.fixture
def document(people, requirement):
    return document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="渠道对接方案",
        category="plan",
        upload=upload(),
    )


def apply_sharing(sharing, document, people, org):
    if sharing is None:
        return
    owner = people["sal_liaison"]
    who, level = sharing.rsplit("-", 1)
    if who == "group":
        share(document, owner, group=level)
    elif who in org["departments"]:
        share(document, owner, departments=[org["departments"][who]], level=level)
    else:
        share(document, owner, users=[people[who]], level=level)


@pytest.mark.parametrize(
    ("case", "username", "sharing", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_api_matrix(api, org, people, document, case, username, sharing, expected):
    apply_sharing(sharing, document, people, org)
    client = api.as_user(people[username])
    url = f"/api/v1/documents/{document.pk}/"

    listed = client.get("/api/v1/documents/").json()["results"]
    assert (document.pk in [d["id"] for d in listed]) is expected["list"]

    view = client.get(url)
    assert view.status_code == (200 if expected["view"] else 404)

    download = client.get(url + "download/")
    assert download.status_code == (200 if expected["download"] else 404)
    if expected["download"]:
        assert b"".join(download.streaming_content) == PDF

    new_version = client.post(
        url + "versions/", {"file": upload(), "note": "修订"}, format="multipart"
    )
    if expected["upload"]:
        assert new_version.status_code == 201
        assert new_version.json()["number"] == 2
    else:
        assert new_version.status_code == (403 if expected["view"] else 404)
        assert document.versions.count() == 1

    change = client.put(url + "permissions/", {"group_access": "none", "grants": []}, format="json")
    if expected["permissions"]:
        assert change.status_code == 200
        document.refresh_from_db()
        assert document.group_access == "none"
    else:
        assert change.status_code == (403 if expected["view"] else 404)
        document.refresh_from_db()
        assert document.group_access != "none" or sharing == "group-none"


@pytest.mark.parametrize(
    ("case", "username", "sharing", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_page_matrix(client, org, people, document, case, username, sharing, expected):
    apply_sharing(sharing, document, people, org)
    client.force_login(people[username])
    index = client.get(reverse("documents:index"))
    assert index.status_code == 200
    assert (f'data-document="{document.pk}"' in index.content.decode()) is expected["list"]

    seen = 200 if expected["view"] else 404
    assert client.get(reverse("documents:detail", args=[document.pk])).status_code == seen
    download = client.get(reverse("documents:version_download", args=[document.pk, 1]))
    assert download.status_code == seen
    if expected["view"]:
        assert download["Content-Disposition"].startswith("attachment")

    upload_page = client.get(reverse("documents:upload_version", args=[document.pk]))
    assert upload_page.status_code == (
        200 if expected["upload"] else 403 if expected["view"] else 404
    )
    permissions_page = client.get(reverse("documents:permissions", args=[document.pk]))
    assert permissions_page.status_code == (
        200 if expected["permissions"] else 403 if expected["view"] else 404
    )


def test_requirement_tab_shows_partner_only_shared_documents(
    client, org, people, requirement, document
):
    hidden = document_create(
        requirement=requirement,
        actor=people["sal_liaison"],
        title="内部预算",
        category="other",
        upload=upload(),
    )
    share(document, people["sal_liaison"], departments=[org["departments"]["CHA"]])
    client.force_login(people["cha_contact"])
    page = client.get(reverse("documents:requirement", args=[requirement.pk])).content.decode()
    assert f'data-document="{document.pk}"' in page
    assert f'data-document="{hidden.pk}"' not in page
    assert "渠道商A公司（查看）" in page


def test_unseen_requirement_tab_is_404(client, people, requirement):
    client.force_login(people["tec_staff"])
    response = client.get(reverse("documents:requirement", args=[requirement.pk]))
    assert response.status_code == 404


def test_upload_to_unseen_requirement_is_refused(api, people, requirement):
    client = api.as_user(people["tec_staff"])
    response = client.post(
        "/api/v1/documents/",
        {"requirement": requirement.pk, "title": "x", "category": "other", "file": upload()},
        format="multipart",
    )
    assert response.status_code == 400
    assert "requirement" in response.json()


def test_partner_in_group_may_add_documents_and_owns_them(api, people, requirement):
    client = api.as_user(people["cha_contact"])
    response = client.post(
        "/api/v1/documents/",
        {
            "requirement": requirement.pk,
            "title": "渠道对接记录",
            "category": "deliverable",
            "file": upload(),
        },
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["owner"] == people["cha_contact"].pk
    assert response.json()["can_manage"] is True


def test_list_filters_do_not_reveal_unseen_requirements(api, people, requirement, document):
    outsider = api.as_user(people["tec_staff"])
    unseen = outsider.get(f"/api/v1/documents/?requirement={requirement.pk}")
    missing = outsider.get("/api/v1/documents/?requirement=999999")
    assert unseen.status_code == missing.status_code == 200
    assert unseen.json()["count"] == missing.json()["count"] == 0
    member = api.as_user(people["prd_liaison"])
    by_category = member.get(f"/api/v1/documents/?requirement={requirement.pk}&category=plan")
    assert [d["id"] for d in by_category.json()["results"]] == [document.pk]
    assert member.get("/api/v1/documents/?category=minutes").json()["count"] == 0


def test_list_filters_refuse_ids_out_of_range(api, people):
    client = api.as_user(people["prd_liaison"])
    for value in ("-3.8e302", "0", "99999999999999999999", "abc"):
        response = client.get(f"/api/v1/documents/?owner={value}")
        assert response.status_code == 400, value
        assert "owner" in response.json()
    assert client.get("/api/v1/documents/recycle-bin/?requirement=1e400").status_code == 400
