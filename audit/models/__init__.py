"""Causal language models: specs, aliases and loading."""

from audit.models._loading import (
    MODEL_ALIASES,
    LoadedModel,
    ModelAlias,
    ModelLoadError,
    alias_gguf_path,
    converted_gguf_dir,
    load_model,
    resolve_device,
    resolve_dtype,
)
from audit.models._spec import DTYPES, ModelInfo, ModelSpec

__all__ = [
    "DTYPES",
    "MODEL_ALIASES",
    "LoadedModel",
    "ModelAlias",
    "ModelInfo",
    "ModelLoadError",
    "ModelSpec",
    "alias_gguf_path",
    "converted_gguf_dir",
    "load_model",
    "resolve_device",
    "resolve_dtype",
]
