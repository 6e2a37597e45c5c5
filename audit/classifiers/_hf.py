"""`hf`: any Hugging Face sequence-classification model used as a toxicity classifier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from audit.classifiers._protocol import (
    ClassifierError,
    ClassifierInfo,
    ClassifierSpec,
    classifier_device,
)

# Label names that mean "toxic" in published toxicity classifiers, checked in order.
TOXIC_LABEL_NAMES: tuple[str, ...] = ("toxicity", "toxic", "hate", "hateful", "offensive")
_MAX_TOKENS = 512


def parse_label_names(text: str, *, n_labels: int) -> dict[int, str]:
    """`0=neutral,1=toxic` (or `neutral,toxic` in index order) as {index: name}."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    mapping: dict[int, str] = {}
    for position, item in enumerate(items):
        if "=" in item:
            key, _, name = item.partition("=")
            if not key.strip().isdigit():
                raise ClassifierError(
                    f"classifier_labels: '{item}' is not INDEX=NAME with an integer index",
                    option="classifier_labels",
                )
            mapping[int(key)] = name.strip()
        else:
            mapping[position] = item
    if sorted(mapping) != list(range(n_labels)):
        raise ClassifierError(
            f"classifier_labels '{text}' names indices {sorted(mapping)}, but the model has "
            f"{n_labels} outputs (0..{n_labels - 1})",
            option="classifier_labels",
        )
    return mapping


def choose_headline(labels: Sequence[str], toxic_label: str | None) -> tuple[str, str]:
    """(the toxic label, how it was chosen)."""
    if toxic_label is not None:
        if toxic_label not in labels:
            raise ClassifierError(
                f"toxic_label '{toxic_label}' is not one of the model's labels: "
                f"{', '.join(labels)}",
                option="toxic_label",
            )
        return toxic_label, "given by toxic_label"
    lowered = {label.lower(): label for label in labels}
    for name in TOXIC_LABEL_NAMES:
        if name in lowered:
            return lowered[name], f"label named '{lowered[name]}'"
    if list(labels) == ["LABEL_0", "LABEL_1"]:
        # Binary toxicity models published without label names (the ToxiGen RoBERTa
        # classifier among them) put the toxic class at index 1.
        return "LABEL_1", "unnamed binary labels: index 1 taken as toxic"
    raise ClassifierError(
        f"cannot tell which label means toxic among {', '.join(labels)}; "
        "set toxic_label to one of them (and classifier_labels to rename the outputs)",
        option="toxic_label",
    )


class HFClassifier:
    """AutoModelForSequenceClassification with its label names from the config."""

    def __init__(self, spec: ClassifierSpec) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        reference = spec.args.get("model")
        if not reference:
            raise ClassifierError("hf needs a model: hf:<hub id or local directory>")
        if reference.startswith((".", "/", "~")) and not Path(reference).expanduser().is_dir():
            raise ClassifierError(f"no classifier model directory at '{reference}'")
        kwargs: dict[str, Any] = {}
        if spec.args.get("revision"):
            kwargs["revision"] = spec.args["revision"]
        # No remote code, and pickled weights (pytorch_model.bin) only through torch's
        # weights-only unpickler; transformers prefers model.safetensors when both exist.
        kwargs["trust_remote_code"] = False
        try:
            tokenizer = AutoTokenizer.from_pretrained(reference, **kwargs)
            model = AutoModelForSequenceClassification.from_pretrained(
                reference, weights_only=True, **kwargs
            )
        except Exception as exc:
            raise ClassifierError(
                f"could not load the classifier '{reference}' ({type(exc).__name__}: {exc}). "
                "Without network access, pass a local directory holding its config, weights "
                "and tokenizer"
            ) from exc
        device = torch.device(classifier_device(spec))
        model.to(device)
        model.eval()
        config = model.config
        n_labels = int(config.num_labels)
        names: Mapping[int, str]
        if spec.args.get("labels"):
            names = parse_label_names(spec.args["labels"], n_labels=n_labels)
        else:
            names = {int(k): str(v) for k, v in config.id2label.items()}
        labels = tuple(names[i] for i in range(n_labels))
        headline, how = choose_headline(labels, spec.args.get("toxic_label"))
        # One output or multi-label heads are independent sigmoids; otherwise the
        # classes are exclusive and a softmax gives their probabilities.
        self._sigmoid = n_labels == 1 or config.problem_type == "multi_label_classification"
        self._model = model
        self._tokenizer = tokenizer
        self._device = device
        self._max_tokens = min(
            int(getattr(tokenizer, "model_max_length", _MAX_TOKENS)), _MAX_TOKENS
        )
        self.info = ClassifierInfo(
            spec=spec,
            labels=labels,
            headline=headline,
            description=f"Hugging Face sequence classifier {reference} "
            f"({'sigmoid' if self._sigmoid else 'softmax'} over {n_labels} labels)",
            details={
                "model_class": type(model).__name__,
                "model_type": str(config.model_type),
                "commit": str(getattr(config, "_commit_hash", None)),
                "headline": how,
            },
        )

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        import torch

        encoded = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self._max_tokens,
            return_tensors="pt",
        ).to(self._device)
        with torch.inference_mode():
            logits = self._model(**encoded).logits.float()
        probabilities = torch.sigmoid(logits) if self._sigmoid else torch.softmax(logits, dim=-1)
        rows = probabilities.cpu().tolist()
        return [dict(zip(self.info.labels, map(float, row), strict=True)) for row in rows]
