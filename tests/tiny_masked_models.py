"""Tiny random masked LMs of real architectures (BERT, RoBERTa), saved like hub checkpoints.

Their tokenizers are trained here on the sample set, with the special tokens and
post-processing of the real ones ([CLS] ... [SEP] on BERT, <s> ... </s> on RoBERTa),
and a vocabulary large enough that SafeNLP's id 103 is an ordinary token, not the
mask, as it is for every masked LM but BERT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)

from audit.datasets import sample_sentences
from tests.tiny_models import EXTRA_CORPUS

VOCAB_SIZE = 400
MAX_LENGTH = 64


def _corpus() -> list[str]:
    return [s.text for s in sample_sentences()] + list(EXTRA_CORPUS)


def build_bert_tokenizer(directory: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    trainer = trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, special_tokens=specials)
    tokenizer.train_from_iterator(_corpus(), trainer)
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=MAX_LENGTH,
    ).save_pretrained(str(directory))


def build_roberta_tokenizer(directory: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(_corpus(), trainer)
    sep, cls = tokenizer.token_to_id("</s>"), tokenizer.token_to_id("<s>")
    assert sep is not None and cls is not None
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", sep), ("<s>", cls))
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=MAX_LENGTH,
    ).save_pretrained(str(directory))


def build_tiny_masked_model(directory: Path, architecture: str, *, seed: int = 0) -> Path:
    """Save a random `bert` or `roberta` masked LM with its tokenizer under `directory`."""
    import torch
    from transformers import AutoModelForMaskedLM, BertConfig, PretrainedConfig, RobertaConfig

    directory.mkdir(parents=True, exist_ok=True)
    common: dict[str, Any] = {
        "vocab_size": VOCAB_SIZE,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
    }
    config: PretrainedConfig
    if architecture == "bert":
        build_bert_tokenizer(directory)
        config = BertConfig(**common, max_position_embeddings=MAX_LENGTH, pad_token_id=0)
    elif architecture == "roberta":
        build_roberta_tokenizer(directory)
        # RoBERTa numbers positions from padding_idx + 1, so it needs two extra.
        config = RobertaConfig(
            **common,
            max_position_embeddings=MAX_LENGTH + 2,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
        )
    else:
        raise ValueError(f"unknown architecture {architecture!r}")
    torch.manual_seed(seed)
    model = AutoModelForMaskedLM.from_config(config)
    # Random init gives near-uniform predictions; sharpen them so pseudo-perplexities
    # differ between sentences and any batching error would show.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(8.0 if parameter.dim() > 1 else 1.0)
    model.save_pretrained(str(directory))
    return directory
