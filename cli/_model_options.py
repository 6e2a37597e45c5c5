"""The model flags (`perplexity`, `run`, `generate`) and the model they name.

Shared by several commands, so it lives in a module of its own and no command module
imports another one's (tests/test_import_cycles.py).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.models import LoadedModel, ModelSpec


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model and its loading options."""
    parser.add_argument(
        "--model",
        required=True,
        help="hub id (e.g. microsoft/phi-2), local directory, .gguf file, or the alias smollm2-135m",
    )
    parser.add_argument("--revision", help="hub branch, tag or commit (training checkpoints)")
    add_loading_arguments(parser)


def add_loading_arguments(parser: argparse.ArgumentParser) -> None:
    """How a model is loaded (--device, --dtype, --trust-remote-code), for commands that
    name their models otherwise (`sweep`)."""
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:N"
    )
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=["auto", "float32", "bfloat16", "float16"],
        help="auto: bfloat16 on CUDA, float32 on CPU",
    )
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="run the model repository's own Python code (off by default)",
    )


def add_lm_head_arguments(parser: argparse.ArgumentParser) -> None:
    """--lm-head and --safenlp-mask-id: how the model's likelihood of a sentence is read."""
    parser.add_argument(
        "--lm-head",
        default="auto",
        choices=["auto", "clm", "mlm"],
        help="clm: perplexity of a causal LM; mlm: pseudo-perplexity of a masked LM; "
        "auto (default): mlm for an encoder-only masked LM (BERT, RoBERTa...), else clm",
    )
    parser.add_argument(
        "--safenlp-mask-id",
        action="store_true",
        help="masked LMs: write token id 103 at masked positions whatever the tokenizer, as "
        "SafeNLP's script does (default: the tokenizer's own mask token)",
    )


def model_spec(args: argparse.Namespace, reference: str | None = None) -> ModelSpec:
    """The model flags as a ModelSpec; HF's per-tensor loading bars off unless --verbose.

    `reference` stands in for --model (and no --revision) where a command names its
    models otherwise: `sweep`'s spec is the loading options each checkpoint takes."""
    from transformers.utils import logging as hf_logging

    from audit.models import ModelSpec

    if not getattr(args, "verbose", False):
        # Our own progress bar says what matters; the per-tensor loading bars are noise.
        hf_logging.disable_progress_bar()
    return ModelSpec(
        reference=args.model if reference is None else reference,
        revision=args.revision if reference is None else None,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        lm_head=getattr(args, "lm_head", "auto"),
        safenlp_mask_id=getattr(args, "safenlp_mask_id", False),
    )


def load_model(args: argparse.Namespace) -> LoadedModel:
    """The model the flags name, loaded."""
    from audit.models import load_model as load

    return load(model_spec(args))
