"""Where a model runs: the device and dtype its flags name, and on CUDA one GPU or several."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit.models._errors import ModelLoadError

if TYPE_CHECKING:
    import torch


def resolve_device(name: str) -> torch.device:
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError(f"device '{name}' was asked for, but CUDA is not available here")
    return device


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    import torch

    if name == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if name not in dtypes:
        raise ModelLoadError(f"unknown dtype '{name}'; choose one of auto, {', '.join(dtypes)}")
    return dtypes[name]


@dataclass(frozen=True, slots=True)
class GpuPlacement:
    """Where a model's weights go on a CUDA machine, and why."""

    sharded: bool
    """True: split across the visible GPUs (device_map="auto"); False: all on one."""
    message: str
    """The choice in words, with the sizes that made it."""


# Weights may take this share of one GPU's free memory before the model is sharded: the
# rest holds the activations of a useful batch.
_ONE_GPU_SHARE = 0.8


def gpu_placement(
    source: str, kwargs: dict[str, Any], dtype: torch.dtype, *, auto_class: Any = None
) -> GpuPlacement:
    """One GPU when the weights fit in its free memory with room for batches; else shard
    across all visible GPUs, or say that even they are too small. `auto_class` builds the
    weightless skeleton that is measured (default AutoModelForCausalLM)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(source, **kwargs)
    with torch.device("meta"):
        skeleton = (auto_class or AutoModelForCausalLM).from_config(config)
    needed = sum(p.numel() for p in skeleton.parameters()) * dtype.itemsize
    free = [torch.cuda.mem_get_info(i)[0] for i in range(torch.cuda.device_count())]
    gib = 1 << 30
    if needed <= _ONE_GPU_SHARE * free[0]:
        return GpuPlacement(
            False, f"on one GPU ({needed / gib:.1f} GiB of weights, {free[0] / gib:.1f} GiB free)"
        )
    if len(free) > 1 and needed <= _ONE_GPU_SHARE * sum(free):
        return GpuPlacement(
            True,
            f"sharded across {len(free)} GPUs with device_map='auto' ({needed / gib:.1f} GiB "
            f"of weights; one GPU has {free[0] / gib:.1f} GiB free)",
        )
    raise ModelLoadError(
        f"{source}: {needed / gib:.1f} GiB of weights in {dtype} do not fit in the "
        f"{sum(free) / gib:.1f} GiB free on {len(free)} GPU(s); pick a smaller --dtype, or "
        "more or larger GPUs"
    )
