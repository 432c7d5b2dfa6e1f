"""A client generated from the live schema by openapi-python-client works: generation
gives no warning, every generated module imports, and the typed client walks one
requirement from filing through the review sign-offs to `confirmed` against a live
server on PostgreSQL."""

import datetime
import importlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_postgres

pytestmark = pytest.mark.slow

PACKAGE = "collab_client"
# The generator knows no spreadsheet media type; its documented override maps it to
# binary content. No post hooks: the generated code is imported, not edited.
CONFIG = """\
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
post_hooks: []
"""


def generate_client(base_url: str, into: Path) -> Path:
    response = httpx.get(
        f"{base_url}/api/schema/",
        headers={"Accept": "application/vnd.oai.openapi+json"},
        timeout=60,
    )
    assert response.status_code == 200
    (into / "schema.json").write_bytes(response.content)
    (into / "config.yml").write_text(CONFIG)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(into / "schema.json"),
            "--config",
            str(into / "config.yml"),
            "--output-path",
            str(into / PACKAGE),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    return into / PACKAGE


def import_every_module(package: Path) -> int:
    failures, count = [], 0
    for source in sorted(package.rglob("*.py")):
        parts = source.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        try:
            importlib.import_module(name)
        except Exception as error:  # report every module that fails, not just the first
            failures.append(f"{name}: {error!r}")
        count += 1
    assert failures == [], "\n".join(failures)
    return count


@pytest.fixture
def generated(tmp_path, live_server, monkeypatch):
    package = generate_client(live_server.url, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_generated_client_walks_a_requirement_to_confirmed(
    fast_password_hashing, org, live_server, generated
):
    require_postgres()
    modules = import_every_module(generated)
    assert modules > 100

    from collab_client import AuthenticatedClient, Client
    from collab_client.api.v1 import (
        v1_auth_token_create,
        v1_requirements_confirm_create,
        v1_requirements_create,
        v1_requirements_retrieve,
        v1_requirements_signoffs_create,
        v1_requirements_signoffs_retrieve,
    )
    from collab_client.models import (
        DecisionEnum,
        PriorityEnum,
        RequirementDetail,
        RequirementDetailRequest,
        RequirementStatusEnum,
        SignOffs,
        SignRequestRequest,
        Token,
        TokenRequestRequest,
    )

    users, departments = org["users"], org["departments"]
    anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def signed_in(user) -> AuthenticatedClient:
        body = TokenRequestRequest(username=user.username, password=org["password"])
        token = v1_auth_token_create.sync(client=anonymous, body=body)
        assert isinstance(token, Token), token
        return AuthenticatedClient(
            base_url=live_server.url,
            token=token.token,
            prefix="Token",
            raise_on_unexpected_status=True,
        )

    filed = v1_requirements_create.sync(
        client=signed_in(users["mkt_staff"]),
        body=RequirementDetailRequest(
            topic="新品上市推广",
            goal="3个月内新品销售额500万元",
            departments=[departments["PRD"].pk, departments["SAL"].pk],
            start_date=datetime.date(2026, 1, 5),
            end_date=datetime.date(2026, 3, 31),
            coordinator=users["director"].pk,
            priority=PriorityEnum.P0,
        ),
    )
    assert isinstance(filed, RequirementDetail), filed
    assert filed.status == RequirementStatusEnum.PENDING_REVIEW

    director = signed_in(users["director"])
    point = v1_requirements_signoffs_retrieve.sync(filed.id, client=director)
    assert isinstance(point, SignOffs), point
    assert len(point.missing) == 4  # the coordinator and the MKT, PRD and SAL heads
    by_id = {user.pk: user for user in users.values()}
    for slot in point.missing:
        signer = by_id[slot.signers[0]]
        signed = v1_requirements_signoffs_create.sync(
            filed.id,
            client=director if signer == users["director"] else signed_in(signer),
            body=SignRequestRequest(decision=DecisionEnum.APPROVE, department=slot.department),
        )
        assert isinstance(signed, SignOffs), signed
    assert signed.missing == []

    confirmed = v1_requirements_confirm_create.sync(filed.id, client=director)
    assert isinstance(confirmed, RequirementDetail), confirmed
    assert confirmed.status == RequirementStatusEnum.CONFIRMED
    again = v1_requirements_retrieve.sync(filed.id, client=director)
    assert again.status == RequirementStatusEnum.CONFIRMED
    assert again.number == filed.number
