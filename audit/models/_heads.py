"""Which language-model head a checkpoint is scored with: causal (clm) or masked (mlm)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from transformers import PretrainedConfig

LmHead = Literal["clm", "mlm"]
LM_HEADS: tuple[str, ...] = ("auto", "clm", "mlm")
"""What users may ask for; "auto" reads the model's config."""


def detect_lm_head(config: PretrainedConfig) -> LmHead:
    """ "mlm" for an encoder-only masked LM (BERT, RoBERTa, ALBERT, ELECTRA, DistilBERT...),
    "clm" for everything else.

    The config's own `architectures` decide when they name a head; otherwise the
    model type decides: one that transformers maps to a masked-LM class is an
    encoder unless the config marks it a decoder (BERT and RoBERTa also have causal
    variants, built with `is_decoder`) or an encoder-decoder (BART).
    """
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    if getattr(config, "is_decoder", False) or getattr(config, "is_encoder_decoder", False):
        return "clm"
    architectures = [str(name) for name in getattr(config, "architectures", None) or []]
    if any(name.endswith("ForMaskedLM") for name in architectures):
        return "mlm"
    if any(name.endswith(("ForCausalLM", "LMHeadModel")) for name in architectures):
        return "clm"
    return "mlm" if config.model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES else "clm"
