"""Masked names in a person's own exports and prints (王芳 → 王*), switched on by them."""

import re

import pytest
from django.urls import reverse

from collab.accounts.masking import mask, names_masked
from tests.factories import make_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_label_is_masked_only_while_masking_is_on(org):
    user = org["users"]["prd_head"]
    user.display_name = "王芳"
    assert mask("王芳") == "王*" and mask("") == ""
    assert user.label == "王芳"
    with names_masked():
        assert user.label == "王*"
    assert user.label == "王芳" and user.masked_label == "王*"


def test_switch_is_the_persons_own_and_comes_back_to_the_page(client, org):
    user = org["users"]["director"]
    client.force_login(user)
    response = client.post(reverse("mask_names"), {"mask_names": "1", "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    user.refresh_from_db()
    assert user.mask_names is True
    assert org["users"]["mkt_head"].mask_names is False
    # Off again; a foreign `next` leads home instead.
    response = client.post(
        reverse("mask_names"), {"mask_names": "0", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.mask_names is False
    assert client.get(reverse("mask_names")).status_code == 405


def test_exports_and_prints_of_a_person_who_chose_masking(client, org):
    make_requirement(org)
    director = org["users"]["director"]
    contact = org["users"]["mkt_staff"].label
    client.force_login(director)
    url = reverse("spreadsheets:export", args=["requirements", "csv"])

    def csv_text():
        response = client.get(url)
        assert response.status_code == 200
        return b"".join(response.streaming_content).decode("utf-8-sig")

    assert contact in csv_text()
    director.mask_names = True
    director.save(update_fields=["mask_names"])
    masked = csv_text()
    assert mask(contact) in masked and contact not in masked
    # The page itself keeps full names; its print version masks them.
    page = reverse("requirements:list")
    assert contact in client.get(page).content.decode()
    printed = client.get(page, {"print": "1"}).content.decode()
    assert "data-print-on-load" in printed and contact not in printed


def test_demo_people_have_distinct_ordinary_names_masked_in_exports_on_request(client, org):
    people = [user for username, user in org["users"].items() if username != "admin"]
    names = [user.label for user in people]
    departments = {department.name for department in org["departments"].values()}
    assert len(set(names)) == len(names) == 14
    for name in names:
        # A person's name, not the seed's masked department (市场部*) or a title (负责人).
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name), name
        assert not any(department in name for department in departments), name
        assert not name.endswith(("负责人", "总监")), name
    initiator = org["users"]["mkt_staff"]
    assert initiator.label == "王芳" and initiator.masked_label == "王*"

    make_requirement(org)  # 王芳 is its contact
    director = org["users"]["director"]
    client.force_login(director)
    url = reverse("spreadsheets:export", args=["requirements", "csv"])

    def exported() -> str:
        return b"".join(client.get(url).streaming_content).decode("utf-8-sig")

    assert "王芳" in exported() and "王*" not in exported()
    director.mask_names = True
    director.save(update_fields=["mask_names"])
    masked = exported()
    assert "王*" in masked and "王芳" not in masked


def test_loading_the_demo_again_names_people_still_showing_the_seeds_masked_names(org):
    from collab.accounts.demo import load
    from collab.accounts.models import User

    User.objects.filter(username="mkt_staff").update(display_name="市场部*")
    User.objects.filter(username="prd_head").update(display_name="产品王总")
    load({})
    assert User.objects.get(username="mkt_staff").display_name == "王芳"
    assert User.objects.get(username="prd_head").display_name == "产品王总"  # their choice
