"""The API answers as its OpenAPI document says: a bounded schemathesis run in-process.

Every operation gets generated requests, valid ones and invalid ones, and every answer
is checked against the document (status codes, content types, response bodies, headers)
and for never being a server error. Audits are not run: the app's dispatcher is the test's
recorder (tests/api/conftest.py) and the database is this test's rolled-back transaction.
Reads require a token here, as the document's security schemes say they may; requests
carry a write token so that writes get past authentication to their validation.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from sqlalchemy.orm import Session

from api import ApiSettings
from tests.api.factories import make_audit

EXAMPLES = 12
"""Examples per operation and mode: bounded, so the whole run takes seconds."""
EXCLUDED = [positive_data_acceptance]
"""Schema-valid is not always acceptable: a model reference must also name a hub id, an
alias or a path under the configured roots, and the data set an existing one. Those
refusals are the documented 422 of POST /api/audits; every other check runs."""
EXCLUDED_FOR_INVALID_QUERIES = [*EXCLUDED, negative_data_rejection]
"""Many invalid values of a query parameter (an object, an empty list) have no form in a
URL and arrive as no value at all, which is valid: schemathesis then reports a valid
request as an accepted invalid one. Invalid queries are still checked for every status
being documented, every body matching its schema, and never a server error."""


def test_every_operation_keeps_the_contract(
    client: TestClient,
    api_settings: ApiSettings,
    auth: dict[str, str],
    db_session: Session,
    dispatched: list[int],
) -> None:
    api_settings.read_requires_token = True
    make_audit(db_session)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) >= 9
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, auth)


def _run(operation: Any, mode: GenerationMode, auth: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        invalid_query = mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET"
        excluded = EXCLUDED_FOR_INVALID_QUERIES if invalid_query else EXCLUDED
        # A copy: the call adds its own headers to the dict it is given.
        case.call_and_validate(headers=dict(auth), excluded_checks=excluded)

    try:
        check()
    except Unsatisfiable:
        # An operation with no parameters (healthz) has no invalid request to make.
        assert mode is GenerationMode.NEGATIVE, operation.label
    except Exception as exc:
        pytest.fail(f"{operation.label} ({mode.value}): {exc}")


def test_renamed_fields_say_model_and_keep_reference_as_deprecated(client: TestClient) -> None:
    """Issue 13: a checkpoint's model is `model` everywhere; `reference`, its old name, is
    still answered for one release and the document marks it deprecated."""
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in ("CheckpointRef", "CheckpointPublic", "ComparedAudit"):
        properties = schemas[name]["properties"]
        assert properties["model"]["type"] == "string", name
        assert properties["reference"].get("deprecated") is True, name
        assert "model" in schemas[name]["required"], name
    assert "job" not in str(document).replace("toxaudit.", ""), "an API name still says job"
