"""Where a model goes on a CUDA machine: one GPU, sharded across several, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from audit.models import ModelLoadError
from audit.models._placement import gpu_placement


def _gpus(monkeypatch: pytest.MonkeyPatch, free_bytes: list[int]) -> None:
    monkeypatch.setattr(torch.cuda, "device_count", lambda: len(free_bytes))
    monkeypatch.setattr(
        torch.cuda, "mem_get_info", lambda index=0: (free_bytes[int(index)], free_bytes[int(index)])
    )


def _weight_bytes(model_dir: Path) -> int:
    from transformers import AutoConfig, AutoModelForCausalLM

    with torch.device("meta"):
        skeleton = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir))
    return int(sum(p.numel() for p in skeleton.parameters())) * 4


def test_a_model_that_fits_goes_on_one_gpu(
    monkeypatch: pytest.MonkeyPatch, tiny_llama_dir: Path
) -> None:
    _gpus(monkeypatch, [10 * _weight_bytes(tiny_llama_dir), 0])
    placement = gpu_placement(str(tiny_llama_dir), {}, torch.float32)
    assert not placement.sharded
    assert "on one GPU" in placement.message


def test_a_model_too_large_for_one_gpu_is_sharded(
    monkeypatch: pytest.MonkeyPatch, tiny_llama_dir: Path
) -> None:
    size = _weight_bytes(tiny_llama_dir)
    _gpus(monkeypatch, [size // 2, size, size])
    placement = gpu_placement(str(tiny_llama_dir), {}, torch.float32)
    assert placement.sharded
    assert "sharded across 3 GPUs with device_map='auto'" in placement.message


def test_a_model_too_large_for_all_gpus_is_refused(
    monkeypatch: pytest.MonkeyPatch, tiny_llama_dir: Path
) -> None:
    size = _weight_bytes(tiny_llama_dir)
    _gpus(monkeypatch, [size // 4, size // 4])
    with pytest.raises(ModelLoadError, match="do not fit in the"):
        gpu_placement(str(tiny_llama_dir), {}, torch.float32)
