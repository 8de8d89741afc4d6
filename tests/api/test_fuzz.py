"""Property-based fuzzing of every operation in the OpenAPI schema, for each role: no 5xx.

Schemathesis generates valid and invalid requests from the live server's own
schema. Real identifiers (an enterprise, its risk codes, a worker token, a
published period, an inspection record) are mixed in half of the time so the
handlers get past their lookups, not only to the 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import TEST_ENTERPRISE
from tests.conftest import needs_shared

pytestmark = needs_shared
EID = TEST_ENTERPRISE.id
ROLES = ("admin", "inspector", "enterprise", "reviewer")
# Examples per operation. Admin reaches every handler, so it gets the most; the
# other roles mostly meet the same code behind a 403, or their own area checks.
EXAMPLES = {"admin": 25, "inspector": 10, "enterprise": 10, "reviewer": 5}


@pytest.fixture(scope="module")
def known(live_api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Keys of every role and the identifiers of records made for the fuzzing to find."""
    keys = dict(live_api.keys)
    keys["reviewer"] = live_api.app.state.key_store.create("reviewer", "泉州市局审核", region="3505")[1]
    period = datetime.now(UTC).strftime("%Y-%m")
    with httpx.Client(base_url=live_api.url, timeout=60) as client:
        owner, admin = _auth(keys["enterprise"]), _auth(keys["admin"])
        register = _ok(client.post(f"/v1/enterprises/{EID}/risk-register", headers=owner, json={
            "people": 30, "entries": [{"point": "RS-001-01", "controls_in_place": [1], "responsible": "陈建华"},
                                      {"point": "RS-006-01", "responsible": "吴磊"}]}))  # fmt: skip
        worker = _ok(client.post(f"/v1/enterprises/{EID}/workers", headers=owner, json={"name": "王小明"}))
        _ok(client.post("/v1/coefficients/publish", headers=admin, json={"period": period}))
        scheme = _ok(client.post("/v1/inspection-schemes", headers=admin, json={"enterprise_id": EID}))
        _ok(client.post(f"/v1/inspection-schemes/{scheme['id']}/approve", headers=admin))
        entry = _ok(client.get(f"/v1/enterprises/{EID}/entry-code", headers=admin))
        record = _ok(client.post("/v1/inspections/scan-in", headers=admin,
                                 json={"token": entry["token"], "scheme_id": scheme["id"]}))  # fmt: skip
    codes = [c["id"] for c in register["issued"]]
    tokens = [c["url"].rsplit("/", 1)[1] for c in register["issued"]] + [entry["token"]]
    return {"url": live_api.url, "keys": keys, "values": {
        "enterprises": [EID], "codes": codes, "tokens": tokens, "workers": [worker["token"]],
        "periods": [period], "schemes": [scheme["id"]], "records": [record["id"]]}}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_every_operation_answers_without_5xx(role: str, known: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{known['url']}/openapi.json", config=_config(role, known))
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, EXAMPLES[role])
        except (Exception, FailureGroup) as exc:  # every operation runs; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


def _fuzz(operation: schemathesis.APIOperation, examples: int) -> None:
    # Valid and invalid requests drawn together, as schemathesis's own runner does:
    # a path of plain strings has no invalid form, and then only valid ones come.
    cases = st.one_of(operation.as_strategy(generation_mode=mode) for mode in GenerationMode)

    @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(hypothesis.HealthCheck))  # fmt: skip
    @hypothesis.given(case=cases)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    run()


def _config(role: str, known: dict[str, Any]) -> schemathesis.Config:
    half = {"probability": 0.5}
    return schemathesis.Config.from_dict({
        "headers": {"Authorization": f"Bearer {known['keys'][role]}"},
        "dictionaries": {name: {"values": values} for name, values in known["values"].items()},
        "parameters": {
            "enterprise_id": {"dictionary": "enterprises", **half},
            "body.enterprise_id": {"dictionary": "enterprises", **half},
            "code_id": {"dictionary": "codes", **half},
            "token": {"dictionary": "tokens", **half},
            "body.token": {"dictionary": "tokens", **half},
            "x-worker-token": {"dictionary": "workers", **half},
            "period": {"dictionary": "periods", **half},
            "body.period": {"dictionary": "periods", **half},
            "scheme_id": {"dictionary": "schemes", **half},
            "body.scheme_id": {"dictionary": "schemes", **half},
            "record_id": {"dictionary": "records", **half},
        },
    })  # fmt: skip


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()
