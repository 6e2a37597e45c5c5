"""The one HTTP client of the audit service (the contract in docs/architecture.md).

Everything that talks to the service (`toxaudit submit`, `toxaudit gate --api`, the
SafetyAuditCallback) goes through `ServiceClient`, and every failure it meets
(unreachable, refused, malformed) is a `ServiceError`. Standard library and httpx
only: the CLI and audit.integrations both use it, and it imports neither.

A reference is an audit id or a checkpoint label: `audit:ID` and `label:NAME`
say which; a bare reference is tried as an audit id first and, when the
service has no such audit, as a label (its newest succeeded audit).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "http://127.0.0.1:8000"
"""The service `toxaudit serve` starts by default."""


class ServiceError(Exception):
    """The audit service could not be reached, refused the request, or answered what is
    not what the contract says."""


def service_token(flag: str | None) -> str | None:
    """The bearer token: the one given, else $TOXAUDIT_TOKEN, else none."""
    return flag or os.environ.get("TOXAUDIT_TOKEN") or None


class ServiceClient:
    """Submits and follows audits, reads their results, perplexities and comparisons,
    as the JSON the service sends (checked for its shape, not parsed into records).

    The transport is injectable for tests (httpx.MockTransport).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json"}
        self._has_token = bool(token)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int | float] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        """Parsed JSON of a request; None on 404 when `missing_ok` (the caller knows what
        was missing), a ServiceError for every other failure."""
        import httpx

        url = f"{self.base_url}{path}"
        try:
            response = self._client.request(method, path, params=params, json=json)
        except httpx.HTTPError as exc:
            raise ServiceError(f"cannot reach {url}: {exc or type(exc).__name__}") from exc
        if response.status_code == 404 and missing_ok:
            return None
        where = url if method == "GET" else f"{method} {url}"
        if response.status_code in (401, 403):
            hint = (
                "the token was refused"
                if self._has_token
                else "give a token with --token or TOXAUDIT_TOKEN"
            )
            detail = _detail(response)
            raise ServiceError(f"{where}: HTTP {response.status_code}, {hint} ({detail})")
        if response.is_error:
            raise ServiceError(f"{where}: HTTP {response.status_code}: {_detail(response)}")
        try:
            return response.json()
        except ValueError as exc:
            raise ServiceError(f"{where}: the response is not JSON") from exc

    def _get(self, path: str, params: dict[str, str | int | float] | None = None) -> Any:
        """Parsed JSON of a GET; None on 404."""
        return self._request("GET", path, params=params, missing_ok=True)

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /api/audits: the new (or reused) audit's record."""
        return self._object(self._request("POST", "/api/audits", json=body), "/api/audits")

    def audit(self, audit_id: str | int) -> dict[str, Any]:
        """GET /api/audits/{id}: the audit's record, with its status and progress."""
        path = f"/api/audits/{quote(str(audit_id), safe='')}"
        return self._object(self._request("GET", path), path)

    def results(self, audit_id: str | int) -> dict[str, Any]:
        """GET /api/audits/{id}/results.json of an audit that must have one."""
        path = f"/api/audits/{quote(str(audit_id), safe='')}/results.json"
        return self._object(self._request("GET", path), path)

    def _object(self, data: Any, path: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ServiceError(f"{self.base_url}{path}: expected a JSON object")
        return data

    def latest_audit_id(self, label: str) -> str | None:
        """The newest succeeded audit of a checkpoint label, or None."""
        params: dict[str, str | int | float] = {
            "checkpoint_label": label,
            "status": "succeeded",
            "limit": 1,
        }
        data = self._get("/api/audits", params)
        where = f"{self.base_url}/api/audits?checkpoint_label={label}"
        if data is None:
            raise ServiceError(f"{where}: HTTP 404; is {self.base_url} a toxaudit service?")
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ServiceError(f"{where}: expected an object with an 'items' list")
        if not items:
            return None
        first = items[0]
        if not isinstance(first, dict) or "id" not in first:
            raise ServiceError(f"{where}: items[0] has no 'id'")
        return str(first["id"])

    def _results(self, audit_id: str) -> dict[str, Any] | None:
        data = self._get(f"/api/audits/{quote(audit_id, safe='')}/results.json")
        if data is not None and not isinstance(data, dict):
            raise ServiceError(
                f"{self.base_url}/api/audits/{audit_id}/results.json: expected a JSON object"
            )
        return data

    def find_results(self, reference: str) -> tuple[str, dict[str, Any]]:
        """(audit id, results.json) of an audit id or of a checkpoint label's newest
        succeeded audit."""
        kind, _, name = reference.partition(":")
        if kind not in ("audit", "label") or not name:
            kind, name = "any", reference
        data = None
        audit_id = name
        if kind in ("audit", "any"):
            data = self._results(name)
        if data is None and kind in ("label", "any"):
            found = self.latest_audit_id(name)
            if found is not None:
                audit_id = found
                data = self._results(found)
                if data is None:
                    raise ServiceError(
                        f"{self.base_url}: audit {found} (newest of label {name!r}) "
                        "has no results.json"
                    )
        if data is None:
            what = {
                "audit": f"no audit {name!r}",
                "label": f"no succeeded audit of checkpoint label {name!r}",
                "any": f"no audit {name!r} and no succeeded audit of checkpoint label {name!r}",
            }[kind]
            raise ServiceError(f"{self.base_url}: {what}")
        return audit_id, data

    def perplexity_records(self, audit_id: str) -> list[dict[str, Any]]:
        """The audit's per-sentence perplexities records (SafeNLP perplexities format)."""
        url = f"{self.base_url}/api/audits/{audit_id}/perplexities.json"
        data = self._get(f"/api/audits/{quote(audit_id, safe='')}/perplexities.json")
        if data is None:
            raise ServiceError(f"{url}: HTTP 404, the audit has no per-sentence perplexities")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ServiceError(f"{url}: expected a JSON array of records")
        return data

    def comparison(
        self, baseline_id: str, candidate_id: str, requested: dict[str, str | int | float]
    ) -> tuple[str, dict[str, Any]]:
        """(URL asked, GET /api/compare's body) of candidate against baseline.

        `requested` holds the bootstrap settings the user named (resamples, seed,
        confidence); the service uses the baseline audit's own for the others.
        """
        params: dict[str, str | int | float] = {
            "audits": f"{baseline_id},{candidate_id}",
            **requested,
        }
        url = f"{self.base_url}/api/compare?audits={baseline_id},{candidate_id}"
        data = self._get("/api/compare", params)
        if data is None:
            raise ServiceError(f"{url}: HTTP 404; is {self.base_url} a toxaudit service?")
        return url, self._object(data, "/api/compare")


def _detail(response: httpx.Response) -> str:
    """The reason a response gives, on one line."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip().replace("\n", " ")[:300] or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list) and all(isinstance(d, dict) for d in detail):
        # The service's error shape: "field: message" for each, the field's path without
        # its first part (body, query, path); an empty `loc` is about the request as a
        # whole (an unknown audit, a refused token): just the message.
        return "; ".join(
            f"{'.'.join(str(p) for p in d['loc'][1:]) or d['loc'][0]}: {d.get('msg', '')}"
            if d.get("loc")
            else str(d.get("msg", ""))
            for d in detail
        )[:300]
    return str(detail).replace("\n", " ")[:300]
