"""The served OpenAPI document, exercised by schemathesis against the running local stack.

Every operation of ``GET /openapi.json`` gets a few generated requests (the local admin token
signed in): none may answer a 5xx, and every answer must be a documented status with the
documented content type and schema. Kept small (a handful of examples an operation) so the
whole module runs in well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from e2e_stack import RunningStack, stack_running
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
# Checks that judge whether the API accepts or refuses data the schema allows: the domain
# refuses more than the schema can say (a bad date in a string parameter is a 400).
EXCLUDED = [
    getattr(openapi_checks, name)
    for name in (
        "positive_data_acceptance",
        "negative_data_rejection",
        "missing_required_header",
        "ignored_auth",
        "unsupported_method",
        "use_after_free",
        "ensure_resource_availability",
    )
    if hasattr(openapi_checks, name)
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with stack_running(tmp_path_factory.mktemp("heard-openapi")) as stack:
        yield stack


def test_every_operation_answers_as_documented(fuzzed: RunningStack) -> None:
    # The schema is loaded inside the test (schemathesis' pytest fixture loader does not run
    # under this pytest); each operation gets its own bounded hypothesis run.
    api = fuzzed.info["api_url"]
    schema = schemathesis.openapi.from_url(f"{api}/openapi.json")
    token = {"Authorization": f"Bearer {fuzzed.info['api_token']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case) -> None:
            case.call_and_validate(
                base_url=api,
                headers=token,
                checks=CHECKS,
                excluded_checks=EXCLUDED,
                timeout=10,
            )

        exercise()


def test_the_document_and_swagger_ui_need_no_sign_in(fuzzed: RunningStack) -> None:
    document = fuzzed.api.get("/openapi.json")
    assert document.status_code == 200 and document.json()["openapi"].startswith("3.")
    ui = fuzzed.api.get("/swagger")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()
