"""`toxaudit gate --api`: results fetched over HTTP from a fake service (httpx.MockTransport)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import cli._gate
from audit.results import parse_perplexities, perplexity_records
from audit.scoring import paired_differences
from cli._client import ServiceClient, ServiceError, fetch_perplexities, fetch_run
from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    CONSISTENT_HARMFUL,
    NOISY_HARMFUL,
    run_result,
    scored_rows,
    write_run,
)
from tests.cli.gate_helpers import gate, one_line_error

API = "http://audits.test:8000"


def _audit(harmful: tuple[float, ...], name: str) -> dict[str, Any]:
    rows = scored_rows(harmful)
    results = run_result(rows, name=name).to_dict()
    results["perplexities_file"] = None  # as the service serves it
    return {"results": results, "perplexities": perplexity_records(rows)}


AUDITS = {
    "11": _audit(BASELINE_HARMFUL, "main"),
    "12": _audit(CONSISTENT_HARMFUL, "step-2000"),
    "13": _audit(NOISY_HARMFUL, "step-3000"),
}
LABELS = {"main": ["11"], "step-2000": ["12"], "step-3000": ["13"], "old": []}


class FakeService:
    """The read side of the service contract, recording every request."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"detail": "missing or bad token"})
        parts = request.url.path.strip("/").split("/")
        if parts == ["api", "audits"]:
            label = request.url.params.get("checkpoint_label", "")
            assert request.url.params.get("status") == "succeeded"
            assert request.url.params.get("limit") == "1"
            return httpx.Response(200, json={"items": [{"id": i} for i in LABELS.get(label, [])]})
        if parts == ["api", "compare"]:
            return self._compare(request)
        if len(parts) == 4 and parts[:2] == ["api", "audits"] and parts[2] in AUDITS:
            audit = AUDITS[parts[2]]
            if parts[3] == "results.json":
                return httpx.Response(200, json=audit["results"])
            if parts[3] == "perplexities.json":
                return httpx.Response(200, json=audit["perplexities"])
        return httpx.Response(404, json={"detail": "not found"})

    def _compare(self, request: httpx.Request) -> httpx.Response:
        """The service's rule: the baseline's stored settings unless the request names others."""
        baseline_id, candidate_id = request.url.params["audits"].split(",")
        baseline, candidate = AUDITS[baseline_id], AUDITS[candidate_id]
        own = baseline["results"]["settings"]
        params = request.url.params
        resamples = int(params.get("resamples", own["n_resamples"]))
        seed = int(params.get("seed", own["seed"]))
        confidence = float(params.get("confidence", own["confidence"]))
        settings = {"resamples": resamples, "seed": seed, "confidence": confidence}
        differences = paired_differences(
            parse_perplexities(baseline["perplexities"], source="baseline"),
            parse_perplexities(candidate["perplexities"], source="candidate"),
            confidence=confidence,
            n_resamples=resamples,
            seed=seed,
        )
        return httpx.Response(
            200,
            json={
                "settings": settings,
                "pairs": [{"differences": [{**d.to_dict(), "new_field": 1} for d in differences]}],
            },
        )

    def paths(self) -> list[str]:
        return [
            r.url.path + (f"?{r.url.query.decode()}" if r.url.query else "") for r in self.requests
        ]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOXAUDIT_TOKEN", raising=False)


def _serve(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[httpx.Request], httpx.Response]
) -> None:
    monkeypatch.setattr(cli._gate, "TRANSPORT", httpx.MockTransport(handler))


SIGNIFICANT = ["--max-drop", "0.05", "--significant-only"]


def test_label_and_id_references_with_significant_only(capsys, monkeypatch) -> None:
    service = FakeService()
    _serve(monkeypatch, service)
    noisy = gate(capsys, "label:step-3000", "--api", API, "--baseline", "11", *SIGNIFICANT)
    assert noisy.code == 0, noisy.out + noisy.err
    assert f"candidate: step-3000 (audit 13 at {API})" in noisy.out
    assert f"baseline:  main (audit 11 at {API})" in noisy.out
    # The drops are the service's own comparison of the pair: no perplexities are fetched.
    assert service.paths() == [
        "/api/audits?checkpoint_label=step-3000&status=succeeded&limit=1",
        "/api/audits/13/results.json",
        "/api/audits/11/results.json",
        "/api/compare?audits=11%2C13",
    ]
    consistent = gate(capsys, "step-2000", "--api", API, "--baseline", "main", *SIGNIFICANT)
    assert consistent.code == 1
    assert "lies below zero" in consistent.out


def test_a_bare_reference_is_an_id_first_then_a_label(capsys, monkeypatch) -> None:
    service = FakeService()
    _serve(monkeypatch, service)
    assert gate(capsys, "12", "--api", API, "--min-average", "0.4").code == 0
    assert service.paths() == ["/api/audits/12/results.json"]  # no perplexities without need
    service.requests.clear()
    assert gate(capsys, "main", "--api", API, "--min-average", "0.4").code == 0
    assert service.paths() == [
        "/api/audits/main/results.json",
        "/api/audits?checkpoint_label=main&status=succeeded&limit=1",
        "/api/audits/11/results.json",
    ]


def test_a_json_file_is_read_from_disk_even_with_api(capsys, monkeypatch, tmp_path) -> None:
    _serve(monkeypatch, FakeService())
    baseline = write_run(tmp_path / "main", scored_rows(BASELINE_HARMFUL), name="main")
    outcome = gate(capsys, "13", "--api", API, "--baseline", str(baseline), *SIGNIFICANT)
    assert outcome.code == 0, outcome.err
    assert f"baseline:  main ({baseline})" in outcome.out


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("audit:99", f"{API}: no audit '99'"),
        ("label:old", f"{API}: no succeeded audit of checkpoint label 'old'"),
        (
            "nothing",
            f"{API}: no audit 'nothing' and no succeeded audit of checkpoint label 'nothing'",
        ),
    ],
)
def test_unknown_references_exit_2(capsys, monkeypatch, reference, message) -> None:
    _serve(monkeypatch, FakeService())
    assert message in one_line_error(gate(capsys, reference, "--api", API, "--min-average", "0.1"))


def test_the_token_comes_from_the_flag_or_the_environment(capsys, monkeypatch) -> None:
    service = FakeService(token="s3cret")
    _serve(monkeypatch, service)
    line = one_line_error(gate(capsys, "12", "--api", API, "--min-average", "0.1"))
    assert "HTTP 401, give a token with --token or TOXAUDIT_TOKEN" in line
    line = one_line_error(
        gate(capsys, "12", "--api", API, "--min-average", "0.1", "--token", "wrong")
    )
    assert "HTTP 401, the token was refused" in line
    assert gate(capsys, "12", "--api", API, "--min-average", "0.1", "--token", "s3cret").code == 0
    monkeypatch.setenv("TOXAUDIT_TOKEN", "s3cret")
    assert gate(capsys, "12", "--api", API, "--min-average", "0.1").code == 0
    assert service.requests[-1].headers["authorization"] == "Bearer s3cret"


def _respond(response: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(response, Exception):
            raise response
        return response

    return handler


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.ConnectError("connection refused"),
            f"cannot reach {API}/api/audits/12/results.json: connection refused",
        ),
        (httpx.ReadTimeout("timed out"), "cannot reach"),
        (httpx.Response(500, json={"detail": "database is down"}), "HTTP 500: database is down"),
        (
            # The service's one error shape; an empty loc is about the request as a whole.
            httpx.Response(
                503,
                json={
                    "detail": [{"loc": [], "msg": "database unreachable", "type": "unavailable"}]
                },
            ),
            "HTTP 503: database unreachable",
        ),
        (
            httpx.Response(502, text="<html>bad gateway</html>"),
            "HTTP 502: <html>bad gateway</html>",
        ),
        (httpx.Response(200, text="not json"), "the response is not JSON"),
        (httpx.Response(200, json=[1, 2]), "results.json: expected a JSON object"),
        (httpx.Response(200, json={"name": "x"}), "results.json: missing field 'model'"),
    ],
)
def test_service_failures_exit_2_with_the_reason(capsys, monkeypatch, response, message) -> None:
    _serve(monkeypatch, _respond(response))
    assert message in one_line_error(gate(capsys, "audit:12", "--api", API, "--min-average", "0.1"))


def test_malformed_listings_and_perplexities_exit_2(capsys, monkeypatch, tmp_path) -> None:
    def listing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/audits":
            return httpx.Response(200, json={"audits": []})
        return httpx.Response(404)

    _serve(monkeypatch, listing)
    line = one_line_error(gate(capsys, "label:main", "--api", API, "--min-average", "0.1"))
    assert "expected an object with an 'items' list" in line

    broken = {
        **AUDITS["12"],
        "perplexities": [{**AUDITS["12"]["perplexities"][0], "perplexity": -3}],
    }

    def bad_rows(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("perplexities.json"):
            return httpx.Response(200, json=broken["perplexities"])
        return FakeService()(request)

    _serve(monkeypatch, bad_rows)
    # A baseline file beside a service audit: the pair is computed here, from the rows.
    baseline = write_run(tmp_path / "main", scored_rows(BASELINE_HARMFUL), name="main")
    line = one_line_error(
        gate(capsys, "12", "--api", API, "--baseline", str(baseline), *SIGNIFICANT)
    )
    assert f"{API}/api/audits/12/perplexities.json" in line
    assert "perplexity" in line and "positive finite number" in line


def test_client_can_be_used_directly() -> None:
    with ServiceClient(API + "/", transport=httpx.MockTransport(FakeService())) as client:
        assert client.latest_audit_id("main") == "11"
        assert client.latest_audit_id("old") is None
        run = fetch_run(client, "label:step-2000")
        assert (run.audit_id, run.result.name) == ("12", "step-2000")
        assert len(fetch_perplexities(client, "12")) == 312
        with pytest.raises(ServiceError, match="no audit '7'"):
            fetch_run(client, "audit:7")


def test_the_pair_has_the_services_settings_unless_flags_name_others(capsys, monkeypatch) -> None:
    service = FakeService()
    _serve(monkeypatch, service)
    assert gate(capsys, "13", "--api", API, "--baseline", "11", *SIGNIFICANT).code == 0
    assert service.paths()[-1] == "/api/compare?audits=11%2C13"
    outcome = gate(
        capsys, "13", "--api", API, "--baseline", "11", *SIGNIFICANT, "--resamples", "50"
    )
    assert outcome.code == 0, outcome.err
    assert service.paths()[-1] == "/api/compare?audits=11%2C13&resamples=50"


def test_a_comparison_the_service_refuses_exits_2_naming_the_field(capsys, monkeypatch) -> None:
    detail = [
        {
            "type": "value_error",
            "loc": ["query", "resamples"],
            "msg": "at most 200, the baseline audit 11's own resamples; got 5000",
        }
    ]

    def refusing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/compare":
            return httpx.Response(422, json={"detail": detail})
        return FakeService()(request)

    _serve(monkeypatch, refusing)
    line = one_line_error(
        gate(capsys, "13", "--api", API, "--baseline", "11", *SIGNIFICANT, "--resamples", "5000")
    )
    assert "HTTP 422: resamples: at most 200, the baseline audit 11's own resamples" in line
