"""Tiny random models of real architectures (Phi, Llama), saved like hub checkpoints.

They are built in the tests, so the suite needs no network and no weights, and
they load through the same loader as real models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from audit.datasets import sample_sentences

EXTRA_CORPUS = (
    "the quick brown fox jumps over the lazy dog",
    "a continuation is cut at the end of the first line",
    "- statements about a group of people follow here",
)


def build_tokenizer(directory: Path, *, add_bos: bool) -> None:
    """A byte-level BPE tokenizer trained on the sample set, saved with transformers."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>", "<s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    corpus = [s.text for s in sample_sentences()] + list(EXTRA_CORPUS)
    tokenizer.train_from_iterator(corpus, trainer)
    if add_bos:
        bos = tokenizer.token_to_id("<s>")
        tokenizer.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)]
        )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|endoftext|>",
        bos_token="<s>",
        model_max_length=128,
    )
    fast.save_pretrained(str(directory))


def build_tiny_model(directory: Path, architecture: str, *, seed: int = 0) -> Path:
    """Save a random `phi` or `llama` causal LM with its tokenizer under `directory`."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig, PhiConfig, PretrainedConfig

    directory.mkdir(parents=True, exist_ok=True)
    build_tokenizer(directory, add_bos=architecture == "llama")
    common: dict[str, Any] = {
        "vocab_size": 400,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 128,
        "eos_token_id": 0,
        "bos_token_id": 1,
    }
    config: PretrainedConfig
    if architecture == "phi":
        config = PhiConfig(**common)
    elif architecture == "llama":
        config = LlamaConfig(**common, num_key_value_heads=2)
    else:
        raise ValueError(f"unknown architecture {architecture!r}")
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    # Random init gives near-uniform predictions; sharpen them so perplexities differ
    # between sentences and any batching error would show.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(8.0 if parameter.dim() > 1 else 1.0)
    model.save_pretrained(str(directory))
    return directory
