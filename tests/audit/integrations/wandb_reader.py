"""Reading back what an offline W&B run wrote: its transaction log (run-<id>.wandb).

The file is W&B's header (":W&B", magic, version: 7 bytes) followed by a LevelDB-style
log: 32 KiB blocks of chunks, each with a 7-byte header (CRC32, length, type: full,
first, middle, last), holding serialized `wandb_internal_pb2.Record` messages.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BLOCK = 32 * 1024
HEADER = 7


@dataclass
class OfflineRun:
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    """Each logged row: {"_step": N, key: value, ...}."""
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    """{"name", "type", "files": [paths in the artifact]}."""


def _records(data: bytes) -> list[bytes]:
    if data[:4] != b":W&B":
        raise ValueError("not a W&B transaction log")
    out: list[bytes] = []
    pos, pending = HEADER, b""
    while pos + HEADER <= len(data):
        if BLOCK - pos % BLOCK < HEADER:  # a block's tail too short for a header is padding
            pos += BLOCK - pos % BLOCK
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        chunk = data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind == 1:
            out.append(chunk)
        elif kind == 2:
            pending = chunk
        elif kind == 3:
            pending += chunk
        elif kind == 4:
            out.append(pending + chunk)
    return out


def read_offline_run(run_dir: Path) -> OfflineRun:
    from wandb.proto import wandb_internal_pb2 as pb

    (log,) = run_dir.glob("run-*.wandb")
    run = OfflineRun()
    for raw in _records(log.read_bytes()):
        record = pb.Record()  # type: ignore[attr-defined]
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            for item in record.run.config.update:
                run.config[item.key] = json.loads(item.value_json)
        elif kind == "config":
            for item in record.config.update:
                run.config[item.key] = json.loads(item.value_json)
        elif kind == "history":
            row = {
                "/".join(item.nested_key) or item.key: json.loads(item.value_json)
                for item in record.history.item
            }
            row["_step"] = record.history.step.num if record.history.HasField("step") else None
            run.history.append(row)
        elif kind == "artifact":
            run.artifacts.append(
                {
                    "name": record.artifact.name,
                    "type": record.artifact.type,
                    "files": [c.path for c in record.artifact.manifest.contents],
                }
            )
    return run
