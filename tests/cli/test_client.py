"""cli/_client.py: the one client of the service, its one error, reported once by main."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cli import main
from cli._client import ServiceClient, ServiceError, open_client
from cli._errors import UsageError, user_errors

API = "http://audits.test:8000"


def _client(handler: Any, token: str | None = "t") -> ServiceClient:
    return ServiceClient(API, token=token, transport=httpx.MockTransport(handler))


def test_submit_follow_and_results_go_through_one_client() -> None:
    seen: list[tuple[str, str]] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        assert request.headers["authorization"] == "Bearer t"
        if request.method == "POST":
            return httpx.Response(202, json={"id": 5, "status": "queued"})
        if request.url.path == "/api/audits/5":
            return httpx.Response(200, json={"id": 5, "status": "succeeded"})
        return httpx.Response(200, json={"scores": {}})

    with _client(service) as client:
        assert client.submit({"model": "org/m"})["id"] == 5
        assert client.audit(5)["status"] == "succeeded"
        assert client.results(5) == {"scores": {}}
    assert seen == [
        ("POST", "/api/audits"),
        ("GET", "/api/audits/5"),
        ("GET", "/api/audits/5/results.json"),
    ]


def test_a_refused_submission_names_the_field() -> None:
    detail = [{"loc": ["body", "options", "limit"], "msg": "must be positive", "type": "x"}]

    def refusing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"detail": detail})

    with _client(refusing) as client, pytest.raises(ServiceError) as caught:
        client.submit({"model": "org/m"})
    assert str(caught.value) == (
        f"POST {API}/api/audits: HTTP 422: options.limit: must be positive"
    )


def test_a_missing_audit_is_an_error_where_it_must_exist() -> None:
    def missing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": [{"loc": [], "msg": "no audit 9"}]})

    with _client(missing) as client, pytest.raises(ServiceError, match="HTTP 404: no audit 9"):
        client.audit(9)


def test_service_errors_are_user_errors_reported_by_main() -> None:
    assert ServiceError in user_errors()


def test_bad_api_url_and_timeout_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="--api must be an http:// or https:// URL"):
        open_client("audits.test:8000", token=None, timeout=5)
    with pytest.raises(UsageError, match="--timeout must be positive"):
        open_client(API, token=None, timeout=0)


def test_submit_to_a_bad_url_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["submit", "--model", "org/m", "--api", "audits.test:8000"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "toxaudit: error: --api must be an http:// or https:// URL, got 'audits.test:8000'"
    ]
