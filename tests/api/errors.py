"""Reading the service's one error shape in tests."""

from __future__ import annotations

from typing import Any


def error_text(response: Any) -> str:
    """Every `msg` of an error response, joined; fails the test if the shape is not the
    documented `{"detail": [{"loc", "msg", "type"}]}`."""
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), list), body
    for item in body["detail"]:
        assert set(item) >= {"loc", "msg", "type"}, item
    return "; ".join(str(item["msg"]) for item in body["detail"])
