"""`detoxify`: Unitary's Jigsaw-trained classifiers, through the `detoxify` package itself."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.classifiers._protocol import (
    ClassifierError,
    ClassifierInfo,
    ClassifierSpec,
    classifier_device,
)

DETOXIFY_VARIANTS: tuple[str, ...] = (
    "original",
    "unbiased",
    "multilingual",
    "original-small",
    "unbiased-small",
)

_OFFLINE_HINT = (
    "Without network access, download the checkpoint elsewhere and pass "
    "--classifier detoxify:/path/to.ckpt --classifier-config DIR, where DIR holds the "
    "Hugging Face config and tokenizer files of its base model (e.g. bert-base-uncased)"
)


def _read_checkpoint(spec: ClassifierSpec) -> dict[str, Any]:
    """The checkpoint dict of a named variant (torch hub cache) or of a local file."""
    import torch

    checkpoint = spec.args.get("checkpoint")
    if checkpoint is None:
        from detoxify.detoxify import MODEL_URLS

        loaded = torch.hub.load_state_dict_from_url(
            MODEL_URLS[spec.args["variant"]], map_location="cpu", weights_only=False
        )
    else:
        # Detoxify checkpoints are pickles holding a config dict; the detoxify package
        # reads them the same way, so only trusted files should be passed.
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=False)
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ClassifierError(
            f"{checkpoint or spec.args['variant']}: not a Detoxify checkpoint "
            "(expected a dict with 'config' and 'state_dict')"
        )
    try:
        loaded["config"]["arch"]["args"]["model_type"]
        loaded["config"]["dataset"]["args"]["classes"]
    except (KeyError, TypeError) as exc:
        raise ClassifierError(
            f"{checkpoint or spec.args['variant']}: Detoxify checkpoint config lacks {exc}"
        ) from exc
    return loaded


def _with_local_config(checkpoint: dict[str, Any], config_dir: str) -> io.BytesIO:
    """The checkpoint re-serialised with its base model pointing at a local directory.

    Detoxify builds the base model's config from the hub name stored in the checkpoint
    (e.g. "bert-base-uncased") even when given a local config path, which fails offline;
    pointing that name at the local directory is the only change.
    """
    import torch

    patched = dict(checkpoint)
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
                f"--classifier-config {config_dir}: no config.json there; it must hold the "
                "Hugging Face config and tokenizer files of the checkpoint's base model"
            )
        try:
            from detoxify import Detoxify

            if config_dir is not None:
                buffer = _with_local_config(_read_checkpoint(spec), config_dir)
                model = Detoxify(
                    checkpoint=buffer, device=device, huggingface_config_path=config_dir
                )
            elif checkpoint is not None:
                model = Detoxify(checkpoint=checkpoint, device=device)
            else:
                model = Detoxify(model_type=variant, device=device)
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
