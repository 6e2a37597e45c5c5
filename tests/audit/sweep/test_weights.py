"""A checkpoint is complete only with config.json and a whole set of weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.sweep import missing_weights

WHOLE_HEADER = {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}


def _safetensors(path: Path, *, cut: int = 0) -> None:
    header = json.dumps(WHOLE_HEADER).encode()
    blob = len(header).to_bytes(8, "little") + header + b"\0" * 8
    path.write_bytes(blob[: len(blob) - cut])


def _checkpoint(tmp_path: Path) -> Path:
    directory = tmp_path / "checkpoint-1"
    directory.mkdir()
    (directory / "config.json").write_text("{}")
    return directory


def test_a_whole_safetensors_file_makes_a_complete_checkpoint(tmp_path: Path) -> None:
    directory = _checkpoint(tmp_path)
    _safetensors(directory / "model.safetensors")
    assert missing_weights(directory) is None


@pytest.mark.parametrize("cut", [1, 8, 30])
def test_a_safetensors_file_still_being_written_is_incomplete(tmp_path: Path, cut: int) -> None:
    directory = _checkpoint(tmp_path)
    _safetensors(directory / "model.safetensors", cut=cut)
    assert missing_weights(directory) == "model.safetensors is incomplete (still being written?)"


def test_config_and_weights_are_both_needed(tmp_path: Path) -> None:
    directory = _checkpoint(tmp_path)
    assert missing_weights(directory) == (
        "no weights file (model.safetensors, pytorch_model.bin or a shard index)"
    )
    (directory / "config.json").unlink()
    _safetensors(directory / "model.safetensors")
    assert missing_weights(directory) == "no config.json"


def test_a_pytorch_bin_file_counts_when_not_empty(tmp_path: Path) -> None:
    directory = _checkpoint(tmp_path)
    (directory / "pytorch_model.bin").write_bytes(b"")
    assert missing_weights(directory) == "pytorch_model.bin is incomplete (still being written?)"
    (directory / "pytorch_model.bin").write_bytes(b"weights")
    assert missing_weights(directory) is None


def test_sharded_weights_need_every_shard_the_index_names(tmp_path: Path) -> None:
    directory = _checkpoint(tmp_path)
    index = directory / "model.safetensors.index.json"
    shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    index.write_text(json.dumps({"weight_map": {"a": shards[0], "b": shards[1]}}))
    _safetensors(directory / shards[0])
    assert missing_weights(directory) == (
        f"shard {shards[1]} named by model.safetensors.index.json is missing or incomplete"
    )
    _safetensors(directory / shards[1], cut=3)
    assert missing_weights(directory) is not None
    _safetensors(directory / shards[1])
    assert missing_weights(directory) is None
    index.write_text('{"weight_map": {"a": ')  # an index cut short while written
    assert "not a readable shard index" in (missing_weights(directory) or "")
