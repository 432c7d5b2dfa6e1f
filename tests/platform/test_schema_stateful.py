"""Stateful schemathesis over the API with the demo data: sequences of calls that follow
the schema's OpenAPI links (an object's create, or the first row of a list, leads to the
reads, updates and actions on that object), with valid and invalid (negative) data.
No call may answer a server error, and every answer must match the schema.

The links a create answers are part of the published schema (collab.core.schema
.add_links); links from a list's first row are added here, so the run reaches the demo
data's real objects in every state, not only the few that random data manages to
create."""

import copy
import os
import re
from collections import Counter

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis import DataGenerationMethod

from tests.platform.test_schema import CHECKS, sendable

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

METHODS = ("get", "put", "patch", "post", "delete")
STEPS = settings(
    max_examples=int(os.environ.get("SCHEMA_STATEFUL_EXAMPLES", "25")),
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # report the first failure, skip shrinking
)


def add_list_links(raw: dict) -> dict:
    """Every paginated list's first row links to each operation on that row's object."""
    raw = copy.deepcopy(raw)
    paths = raw["paths"]
    for collection, item in paths.items():
        listing = item.get("get", {}).get("responses", {}).get("200", {})
        schema = listing.get("content", {}).get("application/json", {}).get("schema", {})
        if "{" in collection or not schema.get("$ref", "").split("/")[-1].startswith("Paginated"):
            continue
        links = {}
        for path, targets in paths.items():
            parameters = re.findall(r"{(\w+)}", path)
            if not path.startswith(collection + "{") or len(parameters) != 1:
                continue
            for method in METHODS:
                if method in targets:
                    operation_id = targets[method]["operationId"]
                    links[f"first_{operation_id}"] = {
                        "operationId": operation_id,
                        "parameters": {f"path.{parameters[0]}": "$response.body#/results/0/id"},
                    }
        listing["links"] = links
    return raw


class Tokens:
    """A token per user (by id, so a generated rename cannot lose it); a generated logout
    or password change may revoke it, then a new one is issued."""

    def __init__(self):
        self.keys: dict[int, str] = {}

    def header(self, user_id: int) -> dict:
        from knox.models import AuthToken

        from collab.accounts.models import User
        from collab.accounts.services import token_issue

        key = self.keys.get(user_id)
        if key is None or not AuthToken.objects.filter(token_key=key[:15]).exists():
            user = User.objects.get(pk=user_id)
            if not user.is_active:  # a generated PATCH may deactivate the caller
                User.objects.filter(pk=user_id).update(is_active=True)
                user.refresh_from_db()
            _token, key = token_issue(user=user)
            self.keys[user_id] = key
        return {"Authorization": f"Token {key}"}


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def linked_schema(seed, fast_password_hashing, keep_test_connection):
    from collab.wsgi import application

    # Served by the WSGI app itself (Django's test client would reconnect the signal
    # that closes the test's database connection after each request).
    raw = schemathesis.from_wsgi("/api/schema/", application).raw_schema
    creates = sum(
        len(r.get("links", {}))
        for item in raw["paths"].values()
        for operation in item.values()
        for r in operation.get("responses", {}).values()
    )
    assert creates > 50, "the schema's create links are missing"
    return schemathesis.from_dict(
        add_list_links(raw),
        app=application,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )


@pytest.mark.parametrize("username", ["admin", "mkt_head"])
def test_stateful_run_follows_links_without_a_server_error(linked_schema, seed, username):
    user_id = seed["users"][username].pk
    tokens = Tokens()
    calls: Counter = Counter()
    operations: set[str] = set()

    class Workflow(linked_schema.as_state_machine()):
        # Each chain starts from the demo data as loaded: Hypothesis replays chains and
        # needs the same answers to the same calls.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": tokens.header(user_id)}

        def call(self, case, **kwargs):
            return super().call(sendable(case), **kwargs)

        def _add_results_to_targets(self, targets, results):
            # Schemathesis 3 files each answer under the link it can feed by overriding
            # Hypothesis' `_add_result_to_targets`, which newer Hypothesis releases call
            # `_add_results_to_targets`; without this no link would ever be followed.
            for result in results:
                target = None if result is None else self._get_target_for_result(result)
                if target is not None:
                    super()._add_results_to_targets((target,), [result])

        def validate_response(self, response, case, additional_checks=()):
            kind = "linked" if case.source is not None else "first"
            calls[kind] += 1
            calls[f"{kind} {response.status_code // 100}xx"] += 1
            operations.add(case.operation.verbose_name)
            case.validate_response(
                response,
                checks=CHECKS,
                additional_checks=additional_checks,
                transport_kwargs=self._transport_kwargs,
            )

    Workflow.run(settings=STEPS)
    print(f"\nstateful as {username}: {dict(calls)}, {len(operations)} operations")
    assert calls["linked"] > 0, "no link was followed"
    assert calls["linked 2xx"] > 0, "no linked call reached an object"
