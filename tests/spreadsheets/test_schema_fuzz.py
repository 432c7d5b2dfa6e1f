"""Schemathesis over the Excel endpoints only (the platform suite fuzzes the whole API;
this keeps a quick, focused run): no server error, documented responses conform."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from tests.platform.test_schema import CHECKS, token_for

EXCEL_PATHS = r"(export\.|template\.xlsx|dossier\.xlsx|/imports/|/exports/)"


@pytest.fixture
def excel_schema(seed, keep_test_connection):
    from collab.wsgi import application

    return schemathesis.from_wsgi("/api/schema/", application)


schema = schemathesis.from_pytest_fixture("excel_schema", endpoint=EXCEL_PATHS)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)
def test_excel_endpoints_never_fail(case):
    for username in ("admin", "mkt_staff", "cha_contact"):
        headers = {**(case.headers or {}), "Authorization": f"Token {token_for(username)}"}
        response = case.call_wsgi(headers=headers)
        case.validate_response(response, checks=CHECKS)
