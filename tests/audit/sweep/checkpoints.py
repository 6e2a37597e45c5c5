"""Training output directories of tiny random models, saved as a Trainer saves them."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

WEIGHTS = "model.safetensors"


def perturbed_copy(base: Path, destination: Path, seed: int) -> Path:
    """`base` copied to `destination` with its weights moved by seeded noise, so each
    checkpoint of a series scores differently (as training would make it)."""
    import torch
    from safetensors.torch import load_file, save_file

    staging = destination.with_name(destination.name + ".tmp")
    shutil.copytree(base, staging)
    tensors = load_file(str(base / WEIGHTS))
    generator = torch.Generator().manual_seed(seed)
    moved = {
        name: tensor + 0.5 * torch.randn(tensor.shape, generator=generator)
        if tensor.dim() > 1
        else tensor
        for name, tensor in tensors.items()
    }
    save_file(moved, str(staging / WEIGHTS), metadata={"format": "pt"})
    # Renamed into place whole, so a watcher never sees it half written.
    staging.rename(destination)
    return destination


def training_dir(base: Path, root: Path, steps: Sequence[int]) -> Path:
    """`root` holding `checkpoint-<step>` copies of the tiny model `base`, one per step."""
    root.mkdir(parents=True, exist_ok=True)
    for step in steps:
        perturbed_copy(base, root / f"checkpoint-{step}", seed=step)
    return root
