"""Checkpoints whose unpickling runs code: it creates a marker file, so a test can tell."""

from __future__ import annotations

import pathlib
import pickle
from pathlib import Path


class Touch:
    """Unpickling this calls Path.touch on `target`: code run by a load."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (pathlib.Path.touch, (self.target,))


def evil_checkpoints(directory: Path, marker: Path) -> list[Path]:
    """A raw pickle and a torch.save archive, each creating `marker` when unpickled."""
    import torch

    directory.mkdir(parents=True, exist_ok=True)
    raw = directory / "raw.ckpt"
    raw.write_bytes(pickle.dumps({"config": Touch(marker), "state_dict": {}}))
    archive = directory / "archive.ckpt"
    torch.save({"config": Touch(marker), "state_dict": {}}, archive)
    assert not marker.exists()
    return [raw, archive]
