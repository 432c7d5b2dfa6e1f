"""Of concurrent PATCHes holding one ETag exactly one wins; the others get 412."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from collab.accounts.services import token_issue
from requests_app.models import Requirement
from tests.conftest import require_postgres
from tests.factories import make_requirement

WRITERS = 10


@pytest.mark.django_db(transaction=True)
def test_parallel_patches_with_one_etag_have_one_winner(org):
    require_postgres()
    requirement = make_requirement(org)
    user = org["users"]["mkt_staff"]
    keys = [token_issue(user=user)[1] for _ in range(WRITERS)]
    first = APIClient()
    first.credentials(HTTP_AUTHORIZATION=f"Token {keys[0]}")
    etag = first.get(f"/api/v1/requirements/{requirement.pk}/")["ETag"]
    history_before = requirement.history.count()
    barrier = threading.Barrier(WRITERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def write(index: int) -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {keys[index]}")
            barrier.wait(timeout=30)
            response = client.patch(
                f"/api/v1/requirements/{requirement.pk}/",
                {"remarks": f"写入{index}"},
                HTTP_IF_MATCH=etag,
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] + [412] * (WRITERS - 1)
    remarks = Requirement.objects.get(pk=requirement.pk).remarks
    assert remarks.startswith("写入")
    assert requirement.history.count() == history_before + 1  # exactly one change
