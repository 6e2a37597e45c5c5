"""One comparison everywhere: /api/compare, the compare page's downloads and `gate --api`.

Two audits scored with non-default statistics settings; every face must report the same
paired differences and intervals to the last digit, computed by one bootstrap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import audit.gate
import cli._gate
import db.compare._cache
from audit.pipeline import AuditOptions
from audit.scoring import paired_differences
from tests.api.factories import make_audit
from tests.cli.gate_helpers import gate

OWN = AuditOptions(n_resamples=70, seed=4242, confidence=0.9)
"""Non-default resamples, seed and confidence, stored with the baseline audit."""


def _forward_to(client: TestClient) -> httpx.MockTransport:
    """The gate's HTTP client talking to the app under test."""

    def handler(request: httpx.Request) -> httpx.Response:
        response = client.get(request.url.path, params=request.url.params)
        return httpx.Response(
            response.status_code,
            content=response.content,
            headers={"content-type": response.headers.get("content-type", "")},
        )

    return httpx.MockTransport(handler)


def test_api_page_and_gate_report_the_same_differences(
    client: TestClient,
    db_session: Session,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    base = make_audit(db_session, model="org/m", revision="a", options=OWN)
    cand = make_audit(db_session, model="org/m", revision="b", seed=7, options=OWN)
    bootstraps: list[dict[str, Any]] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        bootstraps.append(kwargs)
        return paired_differences(*args, **kwargs)

    monkeypatch.setattr(db.compare._cache, "paired_differences", counted)

    # The API.
    api = client.get("/api/compare", params={"audits": f"{base.id},{cand.id}"}).json()
    assert api["settings"]["resamples"] == 70 and api["settings"]["seed"] == 4242
    assert api["settings"]["confidence"] == 0.9 and api["settings"]["requested"] == []
    api_differences = api["pairs"][0]["differences"]
    assert len(api_differences) == 14 and api_differences[-1]["group"] == "average"

    # The page: its differences table download, and the whole comparison's download.
    page: dict[str, str | int | list[int]] = {
        "audit": [base.id, cand.id],
        "baseline": base.id,
        "format": "json",
    }
    table = client.get("/compare/differences", params={**page, "download": "differences"})
    rows = table.json()["rows"]
    assert len(rows) == len(api_differences)
    for row, expected in zip(rows, api_differences, strict=True):
        assert row["candidate_audit_id"] == cand.id
        assert row["group"] == ("Average" if expected["group"] == "average" else expected["group"])
        assert {k: row[k] for k in expected if k != "group"} == {
            k: v for k, v in expected.items() if k != "group"
        }
    whole = client.get("/compare/differences", params={**page, "download": "comparison"})
    assert whole.json() == api
    html = client.get("/compare/differences", params={"audit": [base.id, cand.id]}).text
    assert "90% CI" in html and "70 resamples, seed 4242" in html

    # The gate, reading the service.
    monkeypatch.setattr(cli._gate, "TRANSPORT", _forward_to(client))
    given: dict[str, Any] = {}
    evaluate = audit.gate.evaluate_gate

    def spy(*args: Any, **kwargs: Any) -> audit.gate.GateReport:
        given.update(kwargs, settings=args[0])
        report = evaluate(*args, **kwargs)
        given["report"] = report
        return report

    monkeypatch.setattr(audit.gate, "evaluate_gate", spy)
    markdown = tmp_path / "gate.md"
    outcome = gate(
        capsys,
        f"audit:{cand.id}",
        "--api",
        "http://testserver",
        "--baseline",
        f"audit:{base.id}",
        "--max-drop",
        "0.5",
        "--significant-only",
        "--markdown",
        str(markdown),
    )
    assert outcome.code == 0, outcome.out + outcome.err
    assert [d.to_dict() for d in given["differences"]] == api_differences
    settings = given["settings"]
    assert (settings.resamples, settings.seed, settings.confidence) == (70, 4242, 0.9)
    drops = {c.subject: c for c in given["report"].checks if c.check == "max-drop"}
    text = markdown.read_text(encoding="utf-8")
    for expected in api_differences:
        check = drops[expected["group"]]
        assert check.value == -expected["difference"]
        interval = f"90% CI [{expected['ci_low']:.3f}, {expected['ci_high']:.3f}]"
        assert interval in check.detail and interval in text

    # One bootstrap served all of it, with the baseline audit's own settings.
    assert bootstraps == [{"confidence": 0.9, "n_resamples": 70, "seed": 4242}]
