"""Bad input is a clear 4xx naming what was wrong, and nothing is queued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient


def _post(client: TestClient, auth: dict[str, str], body: object) -> tuple[int, str]:
    response = client.post("/api/audits", json=body, headers=auth)
    return response.status_code, response.text


@pytest.mark.parametrize(
    "model",
    [
        "not a model",
        "org/name/extra",
        "../etc",
        "org/..",
        "-org/name",
        "http://example.com/model",
        "~/models/m",
        "relative/dir/model",
    ],
)
def test_model_reference_patterns(
    client: TestClient, auth: dict[str, str], dispatched: list[int], model: str
) -> None:
    status, text = _post(client, auth, {"model": model})
    assert status == 422, text
    assert '"model"' in text
    assert dispatched == []


def test_hub_ids_and_aliases_are_accepted(
    client: TestClient, auth: dict[str, str], dispatched: list[int]
) -> None:
    for model in ("microsoft/phi-2", "gpt2", "smollm2-135m", "EleutherAI/pythia-70m-deduped"):
        status, text = _post(client, auth, {"model": model, "options": {"limit": 5}})
        assert status == 202, text
    assert len(dispatched) == 4


def test_local_paths_only_under_roots(
    client: TestClient, auth: dict[str, str], roots: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.json").write_text("{}", encoding="utf-8")
    status, text = _post(client, auth, {"model": str(outside)})
    assert status == 422 and "outside the allowed roots" in text
    # '..' and symlinks are resolved before the check.
    status, text = _post(client, auth, {"model": f"{roots}/../outside"})
    assert status == 422 and "outside the allowed roots" in text
    (roots / "link").symlink_to(outside)
    status, text = _post(client, auth, {"model": str(roots / "link")})
    assert status == 422 and "outside the allowed roots" in text
    status, text = _post(client, auth, {"model": str(roots / "missing")})
    assert status == 422 and "no such file" in text
    (roots / "empty").mkdir()
    status, text = _post(client, auth, {"model": str(roots / "empty")})
    assert status == 422 and "config.json" in text

    status, text = _post(client, auth, {"model": str(roots / "model"), "options": {"limit": 3}})
    assert status == 202, text
    assert json.loads(text)["checkpoint"]["model"] == str((roots / "model").resolve())


def test_local_paths_refused_without_roots(
    client: TestClient, auth: dict[str, str], api_settings, roots: Path
) -> None:
    api_settings.model_roots = []
    status, text = _post(client, auth, {"model": str(roots / "model")})
    assert status == 422 and "TOXAUDIT_MODEL_ROOTS" in text


def test_dataset_registered_or_file_under_roots(
    client: TestClient, auth: dict[str, str], roots: Path, tmp_path: Path
) -> None:
    good = roots / "set.jsonl"
    records = [
        {
            "id": i,
            "text": f"sentence {i} about a group",
            "label": label,
            "toxicity_score": 1.0,
            "target_groups": ["asian"],
        }
        for i, label in enumerate(["hate", "neutral", "hate", "neutral"])
    ]
    good.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    status, text = _post(client, auth, {"model": "org/m", "dataset": str(good)})
    assert status == 202, text
    assert json.loads(text)["dataset"]["size"] == 4

    malformed = roots / "bad.jsonl"
    records[2]["label"] = "toxic"
    malformed.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    status, text = _post(client, auth, {"model": "org/m", "dataset": str(malformed)})
    assert status == 422 and '"dataset"' in text and "label" in text and "3" in text

    status, text = _post(client, auth, {"model": "org/m", "dataset": "no-such-set"})
    assert status == 422 and '"dataset"' in text
    outside = tmp_path / "set.jsonl"
    outside.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    status, text = _post(client, auth, {"model": "org/m", "dataset": str(outside)})
    assert status == 422 and "outside the allowed roots" in text
    wrong_type = roots / "set.txt"
    wrong_type.write_text("x", encoding="utf-8")
    status, text = _post(client, auth, {"model": "org/m", "dataset": str(wrong_type)})
    assert status == 422 and "unknown file type" in text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "model"),
        ({"model": "org/m", "options": {"alpha": 1.5}}, "alpha"),
        ({"model": "org/m", "options": {"resamples": 0}}, "resamples"),
        ({"model": "org/m", "options": {"limit": -1}}, "limit"),
        ({"model": "org/m", "step": -5}, "step"),
        ({"model": "org/m", "revision": "../main"}, "revision"),
        ({"model": "org/m", "trust_remote_code": True}, "trust_remote_code"),
        ({"model": "org/m", "options": {"trust_remote_code": True}}, "trust_remote_code"),
        ({"model": "org/m", "tags": ["x"] * 51}, "tags"),
        ({"model": "x" * 501}, "model"),
        (["org/m"], "body"),
    ],
)
def test_malformed_requests_name_the_field(
    client: TestClient, auth: dict[str, str], body: object, field: str
) -> None:
    status, text = _post(client, auth, body)
    assert status == 422, text
    assert field in text


def test_invalid_json_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/audits",
        content=b'{"model": "org/m",',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "json" in response.text.lower()


def test_oversized_body_is_413(client: TestClient, auth: dict[str, str]) -> None:
    body = {"model": "org/m", "label": "x" * 5000}
    response = client.post("/api/audits", json=body, headers=auth)
    assert response.status_code == 413
    assert "4096 bytes" in response.json()["detail"][0]["msg"]


def test_oversized_streamed_body_without_length_is_413(
    client: TestClient, auth: dict[str, str]
) -> None:
    def chunks():
        yield b'{"model": "org/m", "label": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    response = client.post(
        "/api/audits", content=chunks(), headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_hub_shaped_name_that_is_a_local_path_is_refused(
    client: TestClient,
    auth: dict[str, str],
    roots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The loader prefers a local directory to the hub: "model" here names roots/model.
    monkeypatch.chdir(roots)
    status, text = _post(client, auth, {"model": "model"})
    assert status == 422 and "ambiguous" in text
