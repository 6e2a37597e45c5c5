"""Checkpoints load weights-only: a pickle that would run code is refused and runs nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.classifiers import (
    ClassifierError,
    classifier_references,
    load_classifier,
    parse_classifier,
    unsafe_checkpoint_globals,
)
from tests.audit.classifiers.pickles import evil_checkpoints


# The hostile file is written with pickle protocol 4, which torch's weights-only reader
# warns about before it refuses the file; the refusal is what this test checks.
@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
def test_a_pickle_that_runs_code_is_refused_by_the_detoxify_loader(tmp_path: Path) -> None:
    marker = tmp_path / "created-by-unpickling"
    for checkpoint in evil_checkpoints(tmp_path / "ckpts", marker):
        spec = parse_classifier(f"detoxify:{checkpoint}")
        with pytest.raises(ClassifierError, match="full unpickling") as caught:
            load_classifier(spec)
        assert "--classifier-allow-pickle" in str(caught.value)
        assert not marker.exists()


def test_the_static_check_names_the_globals_without_running_them(tmp_path: Path) -> None:
    marker = tmp_path / "created-by-unpickling"
    raw, archive = evil_checkpoints(tmp_path / "ckpts", marker)
    assert "pathlib.Path" in unsafe_checkpoint_globals(archive)
    with pytest.raises(ClassifierError, match=r"not a torch\.save checkpoint"):
        unsafe_checkpoint_globals(raw)
    assert not marker.exists()


def test_a_real_detoxify_checkpoint_needs_nothing_beyond_weights(
    tiny_detoxify: tuple[Path, Path],
) -> None:
    checkpoint, config = tiny_detoxify
    assert unsafe_checkpoint_globals(checkpoint) == []
    spec = parse_classifier(f"detoxify:{checkpoint}", options={"config": str(config)})
    assert load_classifier(spec).info.labels


def test_allow_pickle_is_the_command_lines_explicit_choice(tmp_path: Path) -> None:
    spec = parse_classifier("detoxify:/x/model.ckpt")
    assert not spec.allow_pickle and "allow_pickle" not in spec.to_dict()
    allowed = parse_classifier("detoxify:/x/model.ckpt", allow_pickle=True)
    assert allowed.allow_pickle and allowed.to_dict()["allow_pickle"] is True


def test_a_checkpoint_config_cannot_name_other_classes_or_paths(
    tmp_path: Path, tiny_detoxify: tuple[Path, Path]
) -> None:
    import torch

    checkpoint, _config = tiny_detoxify
    loaded = torch.load(checkpoint, weights_only=True)
    for name, value in (
        ("tokenizer_name", "RagRetriever"),
        ("model_name", "AutoModel"),
        ("model_type", "/etc"),
    ):
        changed = {**loaded, "config": {**loaded["config"]}}
        changed["config"]["arch"] = {
            **loaded["config"]["arch"],
            "args": {**loaded["config"]["arch"]["args"], name: value},
        }
        path = tmp_path / f"{name}.ckpt"
        torch.save(changed, path)
        with pytest.raises(ClassifierError, match=name):
            load_classifier(parse_classifier(f"detoxify:{path}"))


def test_each_kind_declares_the_arguments_that_name_files() -> None:
    spec = parse_classifier("detoxify:/m/x.ckpt", options={"config": "/m/cfg", "device": "cpu"})
    assert classifier_references(spec) == [
        ("checkpoint", "/m/x.ckpt", "checkpoint"),
        ("config", "/m/cfg", "directory"),
    ]
    assert classifier_references(parse_classifier("hf:org/name")) == [
        ("model", "org/name", "model")
    ]
    assert classifier_references(parse_classifier("profanity-check")) == []
