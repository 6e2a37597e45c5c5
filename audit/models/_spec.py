"""What model to load and how: the record every result carries."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

DeviceName = str  # "auto", "cpu", "cuda", "cuda:1", "mps"
DtypeName = Literal["auto", "float32", "bfloat16", "float16"]
DTYPES: tuple[str, ...] = ("auto", "float32", "bfloat16", "float16")
LmHeadName = Literal["auto", "clm", "mlm"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model reference and its loading options, as the user gave them."""

    reference: str
    """A Hugging Face hub id, a local directory, a .gguf file, or a registered alias."""
    revision: str | None = None
    """Hub branch, tag or commit; training checkpoints are often revisions."""
    device: DeviceName = "auto"
    """Where to run; "auto" picks CUDA when present, else the CPU."""
    dtype: DtypeName = "auto"
    """Weight and activation dtype; "auto" is bfloat16 on CUDA, float32 elsewhere."""
    trust_remote_code: bool = False
    """Run model code from the hub. Off unless the user asks for it."""
    lm_head: LmHeadName = "auto"
    """"clm" scores perplexity with a causal LM, "mlm" pseudo-perplexity with a masked LM;
    "auto" reads the config (an encoder-only masked LM gets "mlm")."""
    safenlp_mask_id: bool = False
    """Masked LMs only: write token id 103 at masked positions whatever the tokenizer, and
    score every position holding it, as SafeNLP's script does (False: the tokenizer's own
    mask token, and only the masked position is scored)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What was actually loaded, for provenance."""

    spec: ModelSpec
    """The request."""
    resolved_path: str
    """The directory or hub id that weights were read from."""
    model_type: str
    """The architecture (config.model_type), e.g. "phi" or "llama"."""
    parameters: int
    """Number of parameters."""
    device: str
    """The device the model runs on."""
    dtype: str
    """The dtype the model runs in."""
    max_length: int
    """Longest token sequence scored; longer sentences are truncated."""
    commit: str | None
    """The hub commit hash when known."""
    lm_head: str = "clm"
    """The head it was loaded with and scored by: "clm" (perplexity) or "mlm"
    (pseudo-perplexity)."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["spec"] = self.spec.to_dict()
        return out
