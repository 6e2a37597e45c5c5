"""Tiny BERT classifiers built in the tests: a Detoxify checkpoint and an HF directory.

The Detoxify checkpoint has Detoxify's own format (a dict with the training config,
arch args and class names, plus the state dict), names its base model by hub id as
the real ones do, and is paired with a local config + tokenizer directory.
"""

from __future__ import annotations

from pathlib import Path

DETOXIFY_CLASSES = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
CORPUS = (
    "you are a wonderful person and i like you",
    "this is a terrible stupid idea and you are an idiot",
    "people of every group live in cities and towns",
    "the quick brown fox jumps over the lazy dog",
)


def build_bert_config_dir(directory: Path, *, num_labels: int, seed: int = 0) -> Path:
    """A tiny BERT config and WordPiece tokenizer, saved like a hub snapshot."""
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import BertConfig, BertTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    vocab = tokenizer.get_vocab()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tokenizer.decoder = decoders.WordPiece()
    (directory / "vocab.txt").write_text("\n".join(sorted(vocab, key=vocab.__getitem__)) + "\n")
    BertTokenizer(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    ).save_pretrained(str(directory))
    BertConfig(  # type: ignore[call-arg]
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=num_labels,
    ).save_pretrained(str(directory))
    return directory


def _random_bert(config_dir: Path, seed: int):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    model = BertForSequenceClassification(BertConfig.from_pretrained(str(config_dir)))
    # Spread the outputs so different texts get visibly different probabilities.
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(8.0 if parameter.dim() > 1 else 1.0)
        model.classifier.weight.mul_(5.0)
    return model.eval()


def build_detoxify_checkpoint(directory: Path, *, seed: int = 0) -> tuple[Path, Path]:
    """(checkpoint file, config directory) of a tiny Detoxify model."""
    import torch

    config_dir = build_bert_config_dir(directory / "bert-config", num_labels=len(DETOXIFY_CLASSES))
    model = _random_bert(config_dir, seed)
    checkpoint = {
        "config": {
            "name": "Jigsaw_BERT",
            "arch": {
                "type": "BERT",
                "args": {
                    # As in Unitary's releases: the base model named by hub id.
                    "model_type": "bert-base-uncased",
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(DETOXIFY_CLASSES),
                },
            },
            "dataset": {"type": "JigsawDataOriginal", "args": {"classes": list(DETOXIFY_CLASSES)}},
        },
        "state_dict": model.state_dict(),
    }
    path = directory / "toxic_tiny.ckpt"
    torch.save(checkpoint, path)
    return path, config_dir


def build_hf_classifier(
    directory: Path,
    *,
    id2label: dict[int, str],
    problem_type: str | None = None,
    seed: int = 0,
) -> Path:
    """A tiny BertForSequenceClassification directory with the given label names."""
    from transformers import BertConfig

    build_bert_config_dir(directory, num_labels=len(id2label))
    config = BertConfig.from_pretrained(str(directory))
    config.id2label = dict(id2label)
    config.label2id = {v: k for k, v in id2label.items()}
    if problem_type is not None:
        config.problem_type = problem_type  # type: ignore[assignment]
    config.save_pretrained(str(directory))
    _random_bert(directory, seed).save_pretrained(str(directory))
    return directory
