"""`detoxify`: Unitary's Jigsaw-trained classifiers, through the `detoxify` package itself."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.classifiers._protocol import (
    ClassifierError,
    ClassifierInfo,
    ClassifierSpec,
    classifier_device,
)
from audit.classifiers._safety import weights_only_load

DETOXIFY_VARIANTS: tuple[str, ...] = (
    "original",
    "unbiased",
    "multilingual",
    "original-small",
    "unbiased-small",
)

_OFFLINE_HINT = (
    "Without network access, download the checkpoint elsewhere and name it as the "
    "classifier detoxify:/path/to.ckpt with classifier_config DIR, where DIR holds the "
    "Hugging Face config and tokenizer files of its base model (e.g. bert-base-uncased)"
)


# What a checkpoint's config may name: the transformers classes Detoxify builds with
# getattr(transformers, name), and the base model's hub id. Anything else (another class,
# a path) is refused, so a checkpoint cannot steer what gets imported or read.
_MODEL_CLASS = re.compile(r"^[A-Za-z0-9]+ForSequenceClassification$")
_TOKENIZER_CLASS = re.compile(r"^[A-Za-z0-9]+Tokenizer(?:Fast)?$")
_BASE_MODEL = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def _read_checkpoint(spec: ClassifierSpec) -> dict[str, Any]:
    """The checkpoint dict of a named variant (torch hub cache) or of a local file.

    Read with the weights-only unpickler unless the spec allows pickles (the command
    line's --classifier-allow-pickle); the detoxify package itself would unpickle fully.
    """
    checkpoint = spec.args.get("checkpoint")
    what = checkpoint or f"Detoxify '{spec.args['variant']}'"
    if checkpoint is None:
        from detoxify.detoxify import MODEL_URLS

        loaded = weights_only_load(
            MODEL_URLS[spec.args["variant"]],
            what=what,
            allow_pickle=spec.allow_pickle,
            url=True,
        )
    else:
        loaded = weights_only_load(checkpoint, what=what, allow_pickle=spec.allow_pickle)
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ClassifierError(
            f"{what}: not a Detoxify checkpoint (expected a dict with 'config' and 'state_dict')"
        )
    try:
        arch = loaded["config"]["arch"]["args"]
        base, model_class, tokenizer_class = (
            arch["model_type"],
            arch["model_name"],
            arch["tokenizer_name"],
        )
        loaded["config"]["dataset"]["args"]["classes"]
    except (KeyError, TypeError) as exc:
        raise ClassifierError(f"{what}: Detoxify checkpoint config lacks {exc}") from exc
    for name, value, pattern in (
        ("model_name", model_class, _MODEL_CLASS),
        ("tokenizer_name", tokenizer_class, _TOKENIZER_CLASS),
        ("model_type", base, _BASE_MODEL),
    ):
        if not isinstance(value, str) or not pattern.fullmatch(value) or ".." in value:
            raise ClassifierError(
                f"{what}: the checkpoint's arch {name} is not a transformers "
                + ("class name" if name != "model_type" else "hub id")
                + " of the expected form"
            )
    return loaded


def _serialised(checkpoint: dict[str, Any], config_dir: str | None) -> io.BytesIO:
    """The checkpoint as bytes for `Detoxify(checkpoint=...)`, which always unpickles fully.

    What goes in was read by the weights-only unpickler, so what Detoxify reads back
    holds only tensors and plain values. With `config_dir`, the base model points at that
    local directory: Detoxify builds the base model's config from the hub name stored in
    the checkpoint (e.g. "bert-base-uncased") even when given a local config path, which
    fails offline; pointing that name at the local directory is the only change.
    """
    import torch

    patched = dict(checkpoint)
    if config_dir is not None:
        config = dict(patched["config"])
        arch = dict(config["arch"])
        arch["args"] = {**arch["args"], "model_type": config_dir}
        config["arch"] = arch
        patched["config"] = config
    buffer = io.BytesIO()
    torch.save(patched, buffer)
    buffer.seek(0)
    return buffer


class DetoxifyClassifier:
    """A Detoxify model loaded by the real `detoxify.Detoxify` class; all labels kept."""

    def __init__(self, spec: ClassifierSpec) -> None:
        variant, checkpoint = spec.args.get("variant"), spec.args.get("checkpoint")
        config_dir = spec.args.get("config")
        device = classifier_device(spec)
        if (variant is None) == (checkpoint is None):
            raise ClassifierError("detoxify needs exactly one of a variant or a checkpoint path")
        if variant is not None and variant not in DETOXIFY_VARIANTS:
            raise ClassifierError(
                f"unknown Detoxify variant '{variant}'; choose one of "
                f"{', '.join(DETOXIFY_VARIANTS)} or give a .ckpt path"
            )
        if checkpoint is not None and not Path(checkpoint).is_file():
            raise ClassifierError(f"Detoxify checkpoint not found: {checkpoint}")
        if config_dir is not None and not (Path(config_dir) / "config.json").is_file():
            raise ClassifierError(
                f"classifier_config {config_dir}: no config.json there; it must hold the "
                "Hugging Face config and tokenizer files of the checkpoint's base model",
                option="classifier_config",
            )
        try:
            from detoxify import Detoxify

            # Never a path or a variant name: Detoxify would unpickle those fully itself.
            buffer = _serialised(_read_checkpoint(spec), config_dir)
            model = Detoxify(checkpoint=buffer, device=device, huggingface_config_path=config_dir)
        except ClassifierError:
            raise
        except Exception as exc:
            raise ClassifierError(
                f"could not load Detoxify {variant or checkpoint} ({type(exc).__name__}: {exc}). "
                + _OFFLINE_HINT
            ) from exc
        self._model = model
        labels = tuple(str(name) for name in model.class_names)
        headline = "toxicity" if "toxicity" in labels else labels[0]
        self.info = ClassifierInfo(
            spec=spec,
            labels=labels,
            headline=headline,
            description="Detoxify: a transformer fine-tuned on the Jigsaw toxic comment data; "
            "per-label sigmoid probabilities",
            details={
                "model_class": type(model.model).__name__,
                "source": checkpoint or f"detoxify release '{variant}'",
                "headline": "the checkpoint's toxicity label"
                if headline == "toxicity"
                else f"no 'toxicity' label; first label '{headline}' used",
            },
        )

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        predictions = self._model.predict(list(texts))
        columns: dict[str, list[float]] = {}
        for label in self.info.labels:
            values = predictions[label]
            # Detoxify squeezes a batch of one down to a bare float.
            columns[label] = [float(values)] if isinstance(values, float) else list(values)
        return [
            {label: float(columns[label][row]) for label in self.info.labels}
            for row in range(len(texts))
        ]
