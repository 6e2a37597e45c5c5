"""options.generation: one typed, bounded request; every file it names is under the roots.

Nothing outside the roots is opened or stat'ed, no checkpoint is unpickled, and no
response (the 422, an audit, its error) repeats a line of a file the request named.
"""

from __future__ import annotations

import builtins
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import ApiSettings, create_app, get_dispatcher, get_session
from audit.classifiers import CLASSIFIERS, RegisteredClassifier, register_classifier
from tests.audit.classifiers.pickles import evil_checkpoints

SECRET = "SECRET-7f3a9c-do-not-echo"


def _post(
    client: TestClient, auth: dict[str, str], generation: dict[str, Any], **options: Any
) -> tuple[int, str]:
    body = {"model": "org/m", "options": {"limit": 5, **options, "generation": generation}}
    response = client.post("/api/audits", json=body, headers=auth)
    return response.status_code, response.text


def _generation(**fields: Any) -> dict[str, Any]:
    return {"prompts": "sample", "classifier": "profanity-check", **fields}


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    directory.mkdir()
    return directory


@pytest.fixture()
def touched(monkeypatch: pytest.MonkeyPatch, outside: Path) -> Iterator[list[str]]:
    """Every path under `outside` that the filesystem was asked about or opened."""
    seen: list[str] = []

    def spy(function: Any) -> Any:
        def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, str | os.PathLike) and str(outside) in os.fspath(path):
                seen.append(f"{function.__name__}({path})")
            return function(path, *args, **kwargs)

        return wrapper

    for module, name in ((os, "stat"), (os, "lstat"), (builtins, "open"), (io, "open")):
        monkeypatch.setattr(module, name, spy(getattr(module, name)))
    yield seen


def test_a_pickle_checkpoint_is_refused_and_never_unpickled(
    client: TestClient, auth: dict[str, str], roots: Path, tmp_path: Path, dispatched: list[int]
) -> None:
    marker = tmp_path / "created-by-unpickling"
    for checkpoint in evil_checkpoints(roots / "ckpts", marker):
        status, text = _post(client, auth, _generation(classifier=f"detoxify:{checkpoint}"))
        assert status == 422, text
        assert "options" in text and "classifier" in text
        assert not marker.exists()
    assert dispatched == []


def test_files_outside_the_roots_are_refused_unopened(
    client: TestClient,
    auth: dict[str, str],
    outside: Path,
    touched: list[str],
    tmp_path: Path,
    dispatched: list[int],
) -> None:
    marker = tmp_path / "created-by-unpickling"
    # Written before the spy runs its course: only the request's handling is watched.
    (checkpoint,) = [p for p in evil_checkpoints(outside, marker) if p.name == "archive.ckpt"]
    (outside / "config.json").write_text("{}", encoding="utf-8")
    (outside / "prompts.jsonl").write_text(
        json.dumps({"prompt": SECRET, "group": "asian", "label": "hate"}) + "\n", encoding="utf-8"
    )
    touched.clear()
    cases = [
        (_generation(classifier=f"detoxify:{checkpoint}"), "classifier"),
        (_generation(classifier=f"detoxify:{outside}/missing.ckpt"), "classifier"),
        (_generation(classifier=f"hf:{outside}"), "classifier"),
        (_generation(classifier=f"hf:{outside}/../outside"), "classifier"),
        (
            _generation(
                classifier=f"detoxify:{checkpoint}".replace("outside", "root/../outside"),
            ),
            "classifier",
        ),
        (_generation(classifier_config=str(outside), classifier="detoxify:original"), "config"),
        (_generation(prompts=str(outside / "prompts.jsonl")), "prompts"),
        (_generation(prompts=str(outside)), "prompts"),
        (_generation(prompts=str(outside / "missing")), "prompts"),
    ]
    for generation, field in cases:
        status, text = _post(client, auth, generation)
        assert status == 422, (generation, text)
        assert "outside the allowed roots" in text and field in text, text
        assert SECRET not in text
    assert touched == []
    assert not marker.exists()
    assert dispatched == []
    listing = client.get("/api/audits").text
    assert SECRET not in listing and json.loads(listing)["total"] == 0


def test_malformed_prompts_are_named_by_row_and_field_never_quoted(
    client: TestClient, auth: dict[str, str], roots: Path, dispatched: list[int]
) -> None:
    jsonl = roots / "prompts.jsonl"
    good = {"prompt": "- a\n- b\n-", "group": "asian", "label": "hate"}
    jsonl.write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "label": SECRET}) + "\n", encoding="utf-8"
    )
    status, text = _post(client, auth, _generation(prompts=str(jsonl)))
    assert status == 422, text
    assert "row 2" in text and "'label'" in text and "prompts" in text
    assert SECRET not in text

    directory = roots / "toxigen"
    directory.mkdir()
    (directory / "hate_asian_1k.txt").write_text(
        # Not a string-literal body: `\\q` starts no escape, which repr never writes.
        "- one\\n- two\\n-\n- " + SECRET + "\\q\\n- two\\n-\n",
        encoding="utf-8",
    )
    (directory / "neutral_asian_1k.txt").write_text("- one\\n- two\\n-\n", encoding="utf-8")
    status, text = _post(client, auth, _generation(prompts=str(directory), groups=["asian"]))
    assert status == 422, text
    assert "row 2" in text and "'prompt'" in text
    assert SECRET not in text

    status, text = _post(client, auth, _generation(prompts=str(roots / "missing.jsonl")))
    assert status == 422 and "no such file" in text
    assert dispatched == []

    # Well-formed prompts under the roots are accepted, stored as resolved paths.
    jsonl.write_text(json.dumps(good) + "\n", encoding="utf-8")
    status, text = _post(client, auth, _generation(prompts=f"{roots}/./prompts.jsonl"))
    assert status == 202, text
    stored = json.loads(text)["settings"]["generation"]
    assert stored["prompts"] == str(jsonl.resolve())


def test_malformed_dataset_errors_do_not_quote_the_file(
    client: TestClient, auth: dict[str, str], roots: Path
) -> None:
    dataset = roots / "set.jsonl"
    record = {
        "id": 1,
        "text": "a sentence",
        "label": SECRET,
        "toxicity_score": 1.0,
        "target_groups": ["asian"],
    }
    dataset.write_text(json.dumps(record) + "\n", encoding="utf-8")
    response = client.post(
        "/api/audits", json={"model": "org/m", "dataset": str(dataset)}, headers=auth
    )
    assert response.status_code == 422
    assert "row 1" in response.text and "'label'" in response.text
    assert SECRET not in response.text


def test_classifier_directories_and_hub_ids_follow_the_model_rules(
    client: TestClient, auth: dict[str, str], roots: Path
) -> None:
    (roots / "empty").mkdir()
    for classifier, message in (
        (f"hf:{roots / 'empty'}", "config.json"),
        ("hf:../x", "absolute"),
        ("hf:org/name/extra", "absolute"),
        ("hf:not a model", "hub id"),
        ("detoxify:model.ckpt", "absolute"),
        (f"detoxify:{roots / 'model'}", "not a file"),
    ):
        status, text = _post(client, auth, _generation(classifier=classifier))
        assert status == 422 and message in text and "classifier" in text, (classifier, text)
    status, text = _post(
        client,
        auth,
        _generation(classifier="detoxify:original", classifier_config=str(roots / "empty")),
    )
    assert status == 422 and "classifier_config" in text and "config.json" in text

    status, text = _post(client, auth, _generation(classifier=f"hf:{roots}/model"))
    assert status == 202, text
    assert json.loads(text)["settings"]["generation"]["classifier"] == (
        f"hf:{(roots / 'model').resolve()}"
    )
    status, text = _post(client, auth, _generation(classifier="hf:tomh/toxigen_roberta"))
    assert status == 202, text


def test_a_safe_checkpoint_under_the_roots_is_accepted(
    client: TestClient, auth: dict[str, str], roots: Path
) -> None:
    import torch

    checkpoint = roots / "detoxify.ckpt"
    torch.save({"config": {"arch": {"args": {}}}, "state_dict": {"w": torch.zeros(2)}}, checkpoint)
    status, text = _post(
        client,
        auth,
        _generation(classifier=f"detoxify:{checkpoint}", classifier_config=str(roots / "model")),
    )
    assert status == 202, text


@pytest.fixture()
def fake_kind() -> Iterator[None]:
    """A classifier kind registered later, as another engineer's `guard:` is."""
    register_classifier(
        RegisteredClassifier(
            name="fake-kind",
            description="test only",
            arguments=("config", "labels"),
            factory=lambda spec: pytest.fail("never built by the API"),
            references={"config": "directory"},
        )
    )
    yield
    del CLASSIFIERS["fake-kind"]


def test_a_kind_added_later_is_checked_by_what_it_declares(
    client: TestClient, auth: dict[str, str], outside: Path, roots: Path, fake_kind: None
) -> None:
    status, text = _post(
        client, auth, _generation(classifier="fake-kind", classifier_config=str(outside))
    )
    assert status == 422 and "outside the allowed roots" in text and "classifier_config" in text
    # An argument it does not declare as a file never carries a path.
    status, text = _post(
        client, auth, _generation(classifier="fake-kind", classifier_labels="/etc/passwd")
    )
    assert status == 422 and "classifier_labels" in text
    status, text = _post(
        client,
        auth,
        _generation(classifier="fake-kind", classifier_config=str(roots / "model")),
    )
    assert status == 202, text


@pytest.mark.parametrize(
    ("generation", "field"),
    [
        (_generation(trust_remote_code=True), "trust_remote_code"),
        (_generation(allow_pickle=True), "allow_pickle"),
        (_generation(classifier_allow_pickle=True), "classifier_allow_pickle"),
        (_generation(samples="many"), "samples"),
        (_generation(samples=2.5), "samples"),
        (_generation(temperature=-1), "temperature"),
        (_generation(samples=0), "samples"),
        (_generation(top_p=0), "top_p"),
        (_generation(groups="asian"), "groups"),
        (_generation(groups=[]), "groups"),
        ({"classifier": "profanity-check"}, "prompts"),
        (_generation(classifier="no-such-kind"), "classifier"),
        (_generation(samples=2), "generation"),  # two greedy samples would be identical
        (_generation(prompts="sample", groups=["no-such-group"]), "prompts"),
    ],
)
def test_ill_formed_generation_options_name_the_field(
    client: TestClient,
    auth: dict[str, str],
    dispatched: list[int],
    generation: dict[str, Any],
    field: str,
) -> None:
    status, text = _post(client, auth, generation)
    assert status == 422, text
    locations = [".".join(map(str, error["loc"])) for error in json.loads(text)["detail"]]
    assert any(loc.startswith("body.options.generation") for loc in locations), locations
    assert field in text
    assert dispatched == []


@pytest.mark.parametrize(
    ("generation", "options", "field", "bound", "setting"),
    [
        (_generation(samples=26, temperature=1.0), {}, "samples", 25, "max_samples"),
        (_generation(per_group=1001), {}, "per_group", 1000, "max_per_group"),
        (_generation(max_new_tokens=129), {}, "max_new_tokens", 128, "max_new_tokens"),
        (_generation(), {"resamples": 10_001}, "resamples", 10_000, "max_resamples"),
    ],
)
def test_work_is_bounded_by_settings(
    client: TestClient,
    auth: dict[str, str],
    api_settings: ApiSettings,
    dispatched: list[int],
    generation: dict[str, Any],
    options: dict[str, Any],
    field: str,
    bound: int,
    setting: str,
) -> None:
    status, text = _post(client, auth, generation, **options)
    assert status == 422, text
    (error,) = json.loads(text)["detail"]
    assert error["loc"][-1] == field and f"at most {bound}" in error["msg"]
    assert f"TOXAUDIT_{setting.upper()}" in error["msg"]
    assert dispatched == []
    setattr(api_settings, setting, bound * 2)
    status, text = _post(client, auth, generation, **options)
    assert status == 202, text


def test_bounds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = ApiSettings()
    assert (defaults.max_samples, defaults.max_per_group) == (25, 1000)
    assert (defaults.max_new_tokens, defaults.max_resamples) == (128, 10_000)
    monkeypatch.setenv("TOXAUDIT_MAX_SAMPLES", "100")
    monkeypatch.setenv("TOXAUDIT_MAX_RESAMPLES", "50000")
    raised = ApiSettings()
    assert (raised.max_samples, raised.max_resamples) == (100, 50_000)


def test_audits_store_the_checked_options_the_workers_rebuild(
    client: TestClient, auth: dict[str, str], dispatched: list[int]
) -> None:
    status, text = _post(
        client, auth, _generation(groups=["asian", "women"], per_group=2, max_new_tokens=6)
    )
    assert status == 202, text
    from audit.generation import GenerationOptions

    stored = json.loads(text)["settings"]["generation"]
    options = GenerationOptions.from_mapping(stored)
    assert options == GenerationOptions(
        prompts="sample",
        classifier="profanity-check",
        groups=("asian", "women"),
        per_group=2,
        max_new_tokens=6,
    )
    assert set(stored) == {field for field in GenerationOptions.__dataclass_fields__}
    assert dispatched == [json.loads(text)["id"]]


def test_several_classifiers_are_each_checked_and_stored_as_a_list(
    client: TestClient, auth: dict[str, str], roots: Path, outside: Path, dispatched: list[int]
) -> None:
    status, text = _post(
        client, auth, _generation(classifier=["profanity-check", f"hf:{roots}/model"])
    )
    assert status == 202, text
    stored = json.loads(text)["settings"]["generation"]["classifier"]
    assert stored == ["profanity-check", f"hf:{(roots / 'model').resolve()}"]
    # The second item goes through the same reference check as a single classifier, and
    # the error names its index.
    status, text = _post(client, auth, _generation(classifier=["profanity-check", f"hf:{outside}"]))
    assert status == 422, text
    (error,) = json.loads(text)["detail"]
    assert error["loc"][-2:] == ["classifier", "1"] and "outside the allowed roots" in text
    status, text = _post(client, auth, _generation(classifier=["profanity-check", "nope:x"]))
    assert status == 422 and "unknown classifier 'nope'" in text, text
    assert len(dispatched) == 1


@pytest.mark.parametrize(
    ("classifiers", "message"),
    [
        (["profanity-check"] * 2, "more than once"),
        ([f"hf:org/m{i}" for i in range(5)], "at most 4 items"),
        ([], "at least 1 item"),
    ],
)
def test_the_classifier_list_is_bounded(
    client: TestClient,
    auth: dict[str, str],
    dispatched: list[int],
    classifiers: list[str],
    message: str,
) -> None:
    status, text = _post(client, auth, _generation(classifier=classifiers))
    assert status == 422, text
    # The error points at the field, not at the options as a whole.
    (error,) = [e for e in json.loads(text)["detail"] if message in e["msg"]]
    assert error["loc"][:4] == ["body", "options", "generation", "classifier"]
    assert dispatched == []


def test_ten_thousand_classifiers_are_one_422_at_the_field(
    db_session: Session, roots: Path, dispatched: list[int], auth: dict[str, str]
) -> None:
    # A body large enough to carry them (the tests' bound, 4 kB, would answer 413 first).
    settings = ApiSettings(model_roots=[roots], dataset_roots=[roots], max_body_bytes=1 << 20)
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db_session
    app.dependency_overrides[get_dispatcher] = lambda: dispatched.append
    with TestClient(app) as big:
        status, text = _post(big, auth, _generation(classifier=["profanity-check"] * 10_000))
    assert status == 422, text
    (error,) = [e for e in json.loads(text)["detail"] if e["type"] == "too_long"]
    assert error["loc"][:4] == ["body", "options", "generation", "classifier"]
    assert "at most 4 items" in error["msg"] and dispatched == []


def test_the_schema_states_the_classifier_limit(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    forms = schema["GenerationOptionsCreate"]["properties"]["classifier"]["anyOf"]
    (listed,) = [form for form in forms if form.get("type") == "array"]
    assert (listed["minItems"], listed["maxItems"]) == (1, 4)
    assert {"type": "string", "minLength": 1, "maxLength": 1000}.items() <= next(
        form for form in forms if form.get("type") == "string"
    ).items()


@pytest.mark.parametrize(
    ("generation", "loc", "message"),
    [
        (
            _generation(classifier=["profanity-check", "nope:x"]),
            ["classifier", "1"],
            "unknown classifier 'nope'",
        ),
        (
            _generation(classifier=["hf:", "profanity-check"]),
            ["classifier", "0"],
            "hf needs a model",
        ),
        (
            _generation(classifier=["profanity-check", "hf:org/m"], guard_family="llama-guard"),
            ["generation", "guard_family"],
            "guard_family applies to none of the classifiers",
        ),
        (
            _generation(classifier="profanity-check", guard_policy="No insults."),
            ["generation", "guard_policy"],
            "guard_policy does not apply to the 'profanity-check' classifier",
        ),
    ],
)
def test_a_bad_entry_of_several_classifiers_is_named_by_its_index(
    client: TestClient,
    auth: dict[str, str],
    dispatched: list[int],
    generation: dict[str, Any],
    loc: list[str],
    message: str,
) -> None:
    status, text = _post(client, auth, generation)
    assert status == 422, text
    (error,) = json.loads(text)["detail"]
    assert error["loc"][-2:] == loc and message in error["msg"], error
    # The service's words are its fields', never the command line's flags.
    assert "--" not in error["msg"], error
    assert dispatched == []
