"""Finding a series' checkpoints and their steps: training directories, hub refs, folders."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from audit.sweep import (
    SweepCheckpoint,
    SweepSourceError,
    directory_checkpoints,
    hub_checkpoints,
    parse_step,
    training_checkpoints,
)


def _complete(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "config.json").write_text("{}")
    (directory / "pytorch_model.bin").write_bytes(b"weights")
    return directory


def test_training_dir_checkpoints_come_in_step_order_and_incomplete_ones_are_set_aside(
    tmp_path: Path,
) -> None:
    for step in (10, 9, 100):
        _complete(tmp_path / "run" / f"checkpoint-{step}")
    (tmp_path / "run" / "checkpoint-200").mkdir()  # being written: nothing yet
    (tmp_path / "run" / "runs").mkdir()  # TensorBoard logs, not a checkpoint
    (tmp_path / "run" / "tmp-checkpoint-300").mkdir()
    found = training_checkpoints(tmp_path / "run")
    assert [(c.name, c.step) for c in found.complete] == [
        ("run/checkpoint-9", 9),
        ("run/checkpoint-10", 10),
        ("run/checkpoint-100", 100),
    ]
    assert found.complete[0].reference == str(tmp_path / "run" / "checkpoint-9")
    assert found.incomplete == ((tmp_path / "run" / "checkpoint-200", "no config.json"),)


def test_bad_training_dirs_are_named(tmp_path: Path) -> None:
    with pytest.raises(SweepSourceError, match=f"{tmp_path / 'none'}: no such training directory"):
        training_checkpoints(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SweepSourceError, match=f"{tmp_path / 'empty'}: no checkpoint-<step>"):
        training_checkpoints(tmp_path / "empty")
    _complete(tmp_path / "odd" / "checkpoint-final")
    with pytest.raises(SweepSourceError, match="checkpoint-final: cannot read a training step"):
        training_checkpoints(tmp_path / "odd")


@pytest.mark.parametrize(
    ("name", "pattern", "step"),
    [
        ("step1000", None, 1000),
        ("ckpt_2000_final", None, 2000),
        ("v2-step300", None, 300),
        ("main", None, None),
        ("global_step-40-of-run7", r"global_step-(\d+)", 40),
        ("iter0500", r"\d+", 500),
    ],
)
def test_steps_are_parsed_from_names(name: str, pattern: str | None, step: int | None) -> None:
    assert parse_step(name, pattern, where="here") == step


def test_a_step_pattern_that_does_not_fit_is_an_error_naming_the_source() -> None:
    with pytest.raises(
        SweepSourceError, match=r"^org/m@main: step pattern .* does not match 'main'"
    ):
        parse_step("main", r"step(\d+)", where="org/m@main")
    with pytest.raises(SweepSourceError, match="'abc' parsed from 'abc' is not an integer"):
        parse_step("abc", r"([a-z]+)", where="x")
    with pytest.raises(SweepSourceError, match="not a regular expression"):
        parse_step("abc", "(", where="x")


def test_local_directories_keep_their_order_without_steps_and_need_weights(
    tmp_path: Path,
) -> None:
    late, early = _complete(tmp_path / "late"), _complete(tmp_path / "early")
    assert [c.name for c in directory_checkpoints([late, early])] == ["late", "early"]
    s2, s1 = _complete(tmp_path / "s-2000"), _complete(tmp_path / "s-1000")
    assert [c.step for c in directory_checkpoints([s2, s1])] == [1000, 2000]
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "config.json").write_text(json.dumps({}))
    with pytest.raises(SweepSourceError, match=f"{tmp_path / 'bare'}: not a complete checkpoint"):
        directory_checkpoints([s1, tmp_path / "bare"])
    with pytest.raises(SweepSourceError, match=f"{tmp_path / 'gone'}: no such model directory"):
        directory_checkpoints([tmp_path / "gone"])


def _refs(*branches: str, tags: tuple[str, ...] = ()) -> Any:
    return SimpleNamespace(
        branches=[SimpleNamespace(name=b) for b in branches],
        tags=[SimpleNamespace(name=t) for t in tags],
    )


def test_all_revisions_lists_the_hub_refs_with_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    asked: list[str] = []

    def list_repo_refs(repo_id: str) -> Any:
        asked.append(repo_id)
        return _refs("main", "step2000", "step1000", "old-step10", tags=("step3000",))

    monkeypatch.setattr(huggingface_hub, "list_repo_refs", list_repo_refs)
    found = hub_checkpoints("org/model", all_revisions=True, match=r"^step")
    assert asked == ["org/model"]
    assert found == (
        SweepCheckpoint("org/model@step1000", 1000, "org/model", "step1000"),
        SweepCheckpoint("org/model@step2000", 2000, "org/model", "step2000"),
        SweepCheckpoint("org/model@step3000", 3000, "org/model", "step3000"),
    )
    every = hub_checkpoints("org/model", all_revisions=True)
    assert [c.revision for c in every] == ["old-step10", "step1000", "step2000", "step3000"]
    with pytest.raises(SweepSourceError, match="org/model: no branch or tag matching 'zzz'"):
        hub_checkpoints("org/model", all_revisions=True, match="zzz")


def test_listing_offline_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub
    from huggingface_hub.errors import OfflineModeIsEnabled

    def offline(repo_id: str) -> Any:
        raise OfflineModeIsEnabled("HF_HUB_OFFLINE is set")

    monkeypatch.setattr(huggingface_hub, "list_repo_refs", offline)
    with pytest.raises(
        SweepSourceError, match=r"cannot list the branches and tags of 'org/model'.*--revisions"
    ):
        hub_checkpoints("org/model", all_revisions=True)


def test_named_revisions_need_no_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "list_repo_refs", lambda repo_id: pytest.fail("listed"))
    found = hub_checkpoints("org/m", revisions=["step2000", "step1000", "step2000"])
    assert [(c.revision, c.step) for c in found] == [("step1000", 1000), ("step2000", 2000)]
    custom = hub_checkpoints("org/m", revisions=["r-7-x"], step_pattern=r"r-(\d+)")
    assert custom[0].step == 7


def test_listing_without_a_network_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not offline mode: no network at all. huggingface_hub's HTTP client raises its own
    # transport error (httpx's ConnectError), which is no OSError.
    import huggingface_hub

    transports = [m for m in ("httpx2", "httpx") if importlib.util.find_spec(m) is not None]
    connect_error = importlib.import_module(transports[0]).ConnectError

    def unreachable(repo_id: str) -> Any:
        raise connect_error("[Errno -2] Name or service not known")

    monkeypatch.setattr(huggingface_hub, "list_repo_refs", unreachable)
    with pytest.raises(
        SweepSourceError,
        match=r"cannot list the branches and tags of 'org/model': .*Name or service.*--revisions",
    ):
        hub_checkpoints("org/model", all_revisions=True)


def test_two_checkpoints_at_one_step_are_refused_and_one_named_twice_counts_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both would be audited into step-100/, the second over the first, and the trend
    # would compare that folder with itself.
    first, second = _complete(tmp_path / "a" / "ckpt-100"), _complete(tmp_path / "b" / "ckpt-100")
    with pytest.raises(SweepSourceError, match=f"{first} and {second} have the same step 100"):
        directory_checkpoints([first, second])
    unnamed = _complete(tmp_path / "c" / "final"), _complete(tmp_path / "d" / "final")
    with pytest.raises(SweepSourceError, match="the same name 'final'"):
        directory_checkpoints(unnamed)
    again = directory_checkpoints([first, tmp_path / "a" / "." / "ckpt-100"])
    assert [c.reference for c in again] == [str(first)]
    _complete(tmp_path / "run" / "checkpoint-100")
    _complete(tmp_path / "run" / "checkpoint-0100")
    with pytest.raises(SweepSourceError, match="same step 100"):
        training_checkpoints(tmp_path / "run")
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "list_repo_refs", lambda _: _refs("step100", "s-100"))
    with pytest.raises(SweepSourceError, match="org/m@step100 and org/m@s-100 have the same"):
        hub_checkpoints("org/m", all_revisions=True)


def test_a_training_dir_among_model_directories_is_named_as_such(tmp_path: Path) -> None:
    _complete(tmp_path / "run" / "checkpoint-100")
    model = _complete(tmp_path / "base-0")
    with pytest.raises(SweepSourceError, match=f"{tmp_path / 'run'}: a training output directory"):
        directory_checkpoints([model, tmp_path / "run"])
