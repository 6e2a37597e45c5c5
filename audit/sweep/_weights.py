"""Whether a checkpoint directory holds a complete set of weights yet.

A Trainer writes a checkpoint file by file, so a training directory polled while a run
is in progress can show a `checkpoint-<N>` folder whose weights are still being
written. Such a folder is left alone until it is complete: config.json plus either the
shards a `*.index.json` names, all present and whole, or one whole weights file.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def _safetensors_whole(path: Path) -> bool:
    """The file is as long as its header says: an 8-byte header length, the JSON
    header, then the tensors, the last of which ends at the file's end."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            prefix = handle.read(8)
            if len(prefix) < 8:
                return False
            (header_length,) = struct.unpack("<Q", prefix)
            if 8 + header_length > size:
                return False
            header = json.loads(handle.read(header_length))
    except (OSError, ValueError):
        return False
    if not isinstance(header, dict):
        return False
    ends = [
        int(entry["data_offsets"][1])
        for name, entry in header.items()
        if name != "__metadata__" and isinstance(entry, dict) and "data_offsets" in entry
    ]
    return bool(size == 8 + header_length + max(ends, default=0))


def _weights_file_whole(path: Path) -> bool:
    if not path.is_file():
        return False
    if path.suffix == ".safetensors":
        return _safetensors_whole(path)
    return path.stat().st_size > 0


def missing_weights(directory: Path) -> str | None:
    """Why `directory` is not (yet) a complete checkpoint, or None when it is."""
    if not (directory / "config.json").is_file():
        return "no config.json"
    for index_name in WEIGHT_INDEXES:
        index = directory / index_name
        if not index.exists():
            continue
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            shards = sorted(set(weight_map.values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return f"{index_name} is not a readable shard index (still being written?)"
        broken = [shard for shard in shards if not _weights_file_whole(directory / shard)]
        if broken:
            return f"shard {broken[0]} named by {index_name} is missing or incomplete"
        return None
    for name in WEIGHT_FILES:
        if (directory / name).exists():
            if _weights_file_whole(directory / name):
                return None
            return f"{name} is incomplete (still being written?)"
    return f"no weights file ({', '.join(WEIGHT_FILES)} or a shard index)"
