"""The one-command service: `toxaudit serve` as a real process on SQLite with no broker,
fed over HTTP and by `toxaudit submit` (the issue's "Done when")."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from audit.results import AuditResult, parse_perplexities
from cli import main
from tests.cli.serve import Service, service

__all__ = ["service"]  # the fixture, used by name


def _wait(client: httpx.Client, audit_id: int, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        audit: dict[str, Any] = client.get(f"/api/audits/{audit_id}").json()
        if audit["finished"]:
            return audit
        assert time.monotonic() < deadline, audit
        time.sleep(0.3)


def test_embedded_serve_accepts_a_audit_over_http_and_serves_its_scores(service: Service) -> None:
    headers = {"Authorization": f"Bearer {service.token}"}
    with httpx.Client(base_url=service.url, headers=headers, timeout=30) as client:
        health = client.get("/api/healthz").json()
        assert health["broker"] == "embedded"
        body = {
            "model": str(service.model_dir),
            "label": "tiny-llama",
            "step": 10,
            "dataset": "sample",
            "options": {"limit": 48, "resamples": 100},
        }
        submitted = client.post("/api/audits", json=body)
        assert submitted.status_code == 202, submitted.text
        audit_id = submitted.json()["id"]

        audit = _wait(client, audit_id)
        assert audit["status"] == "succeeded", (audit, service.log.read_text())
        assert audit["progress"]["done"] == audit["progress"]["total"] == 48
        assert audit["average"] is not None
        assert {s["metric"] for s in audit["scores"]} == {"safety"}

        result = AuditResult.from_dict(client.get(f"/api/audits/{audit_id}/results.json").json())
        assert result.dataset.n_sentences == 48 and result.scores.average == audit["average"]
        records = client.get(f"/api/audits/{audit_id}/perplexities.json").json()
        rows = parse_perplexities(records, source="service")
        assert len(rows) == 48 and any(r.perplexity for r in rows)
        sentences = client.get(f"/api/audits/{audit_id}/sentences", params={"limit": 5}).json()
        assert sentences["total"] == 48 and sentences["items"][0]["text"]

        newest = client.get(
            "/api/audits", params={"checkpoint_label": "tiny-llama", "status": "succeeded"}
        ).json()
        assert newest["items"][0]["id"] == audit_id
        checkpoints = client.get("/api/checkpoints", params={"label": "tiny-llama"}).json()
        assert checkpoints["items"][0]["latest_audit_id"] == audit_id

        again = client.post("/api/audits", json=body).json()
        assert again["reused"] is True and again["status"] == "succeeded"


def test_submit_wait_prints_the_group_table(
    service: Service, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOXAUDIT_TOKEN", service.token)
    code = main(
        [
            "submit",
            "--model",
            str(service.model_dir),
            "--limit",
            "32",
            "--resamples",
            "50",
            "--api",
            service.url,
            "--wait",
            "--poll-interval",
            "0.3",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    audit_id, *table = out.splitlines()
    assert audit_id.isdigit()
    assert table[0].split()[:2] == ["group", "score"]
    assert any(line.startswith("average") for line in table)
    assert f"audit {audit_id}" in err


def test_failed_audit_exits_1_with_its_cause_and_others_still_run(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--api", service.url, "--token", service.token, "--wait", "--poll-interval", "0.3"]
    code = main(["submit", "--model", "no-such-org/no-such-model", "--limit", "8", *args])
    _, err = capsys.readouterr()
    assert code == 1
    assert "failed" in err and "no-such-org/no-such-model" in err
    # The failure stays with its audit: the next one runs.
    code = main(["submit", "--model", str(service.model_dir), "--limit", "20", *args])
    assert code == 0, capsys.readouterr().err


def test_submit_refused_requests_exit_2_with_the_reason(
    service: Service, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOXAUDIT_TOKEN", raising=False)
    assert main(["submit", "--model", "org/m", "--api", service.url]) == 2
    assert "401" in capsys.readouterr().err
    code = main(["submit", "--model", "../up", "--api", service.url, "--token", service.token])
    assert code == 2
    assert "model:" in capsys.readouterr().err
    assert main(["submit", "--model", "org/m", "--api", "http://127.0.0.1:9", "--token", "t"]) == 2
    assert "cannot reach" in capsys.readouterr().err


def test_submit_sends_only_the_options_given() -> None:
    from cli._main import build_parser
    from cli._submit import _request_body

    args = build_parser().parse_args(
        ["submit", "--model", "org/m", "--step", "5", "--tag", "a", "--tag", "b", "--limit", "9"]
    )
    assert _request_body(args) == {
        "model": "org/m",
        "dataset": "sample",
        "step": 5,
        "tags": ["a", "b"],
        "options": {"limit": 9},
    }


def test_concurrent_submissions_are_each_recorded_once(service: Service) -> None:
    from concurrent.futures import ThreadPoolExecutor

    headers = {"Authorization": f"Bearer {service.token}"}

    def submit(seed: int) -> httpx.Response:
        body = {
            "model": str(service.model_dir),
            "label": "concurrent",
            "options": {"limit": 4, "resamples": 1, "seed": seed},
        }
        return httpx.post(f"{service.url}/api/audits", json=body, headers=headers, timeout=120)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(submit, range(50)))
    assert [r.status_code for r in responses] == [202] * 50, [r.text for r in responses]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 50

    with httpx.Client(base_url=service.url, headers=headers, timeout=30) as client:
        # The checkpoint (this model, no revision) also holds the earlier tests' audits.
        listed = client.get("/api/audits", params={"checkpoint_label": "concurrent", "limit": 500})
        listed_ids = [item["id"] for item in listed.json()["items"]]
        assert len(listed_ids) == len(set(listed_ids)) == listed.json()["total"]
        assert ids <= set(listed_ids)
        assert client.get("/api/checkpoints", params={"label": "concurrent"}).json()["total"] == 1
        # Cancel what is left, over HTTP: the server's worker need not run them all.
        for audit_id in ids:
            assert client.delete(f"/api/audits/{audit_id}").status_code in (200, 409)
        statuses = {client.get(f"/api/audits/{i}").json()["status"] for i in ids}
        assert statuses <= {"succeeded", "cancelled", "running"}
