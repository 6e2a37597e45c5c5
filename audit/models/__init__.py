"""Causal and masked language models: specs, aliases, heads and loading."""

from audit.models._errors import ModelLoadError
from audit.models._heads import LM_HEADS, LmHead, detect_lm_head
from audit.models._loading import (
    MODEL_ALIASES,
    LoadedModel,
    ModelAlias,
    alias_gguf_path,
    context_length,
    converted_gguf_dir,
    load_model,
)
from audit.models._placement import resolve_device, resolve_dtype
from audit.models._spec import DTYPES, LmHeadName, ModelInfo, ModelSpec

__all__ = [
    "DTYPES",
    "LM_HEADS",
    "MODEL_ALIASES",
    "LmHead",
    "LmHeadName",
    "LoadedModel",
    "ModelAlias",
    "ModelInfo",
    "ModelLoadError",
    "ModelSpec",
    "alias_gguf_path",
    "context_length",
    "converted_gguf_dir",
    "detect_lm_head",
    "load_model",
    "resolve_device",
    "resolve_dtype",
]
