"""What a toxicity classifier is: its spec, its provenance, the scoring role, its errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class ClassifierError(RuntimeError):
    """A classifier could not be loaded or crashed; the message gives the cause.

    Options are named by their library names (`guard_policy`, as in CLASSIFIER_OPTIONS
    and the service's request); the command line shows its flags instead.
    """

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option
        """The classifier option at fault (`classifier_labels`); None when it is not one."""


@dataclass(frozen=True, slots=True)
class ClassifierSpec:
    """A registered classifier name and the arguments it was built with."""

    name: str
    """The registry name: "detoxify", "hf" or "profanity-check"."""
    args: Mapping[str, str] = field(default_factory=dict)
    """Its arguments as given (variant, checkpoint, config directory, label names, ...)."""
    allow_pickle: bool = False
    """Load checkpoints that need full unpickling (arbitrary code). Only the command line's
    --classifier-allow-pickle sets it; nothing a service request holds can."""

    def to_dict(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name, "args": dict(sorted(self.args.items()))}
        if self.allow_pickle:
            spec["allow_pickle"] = True
        return spec

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}(" + ", ".join(f"{k}={v}" for k, v in sorted(self.args.items())) + ")"


@dataclass(frozen=True, slots=True)
class ClassifierInfo:
    """What a loaded classifier is, recorded with every score it gives."""

    spec: ClassifierSpec
    """The request that built it."""
    labels: tuple[str, ...]
    """Every label it scores, in output order."""
    headline: str
    """The label whose probability is "the toxicity" in metrics (e.g. "toxicity")."""
    description: str
    """What it detects, in one line, limits included."""
    details: Mapping[str, str] = field(default_factory=dict)
    """Resolved facts: checkpoint path, model class, how the headline label was chosen."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "labels": list(self.labels),
            "headline": self.headline,
            "description": self.description,
            "details": dict(self.details),
        }


@runtime_checkable
class Classifier(Protocol):
    """Scores texts: one {label: probability in [0, 1]} per text, in input order."""

    info: ClassifierInfo
    """What this classifier is."""

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Probabilities of every label for each text; raises on failure, never returns 0."""
        ...


@dataclass(frozen=True, slots=True)
class ResponseScores:
    """What a response classifier says about one response to one prompt."""

    scores: dict[str, float]
    """{label: probability in [0, 1]} for every label, as `Classifier.score` gives."""
    categories: tuple[str, ...] | None = None
    """Policy categories the classifier named (Llama Guard's S1..S14), in its order;
    None when it names none for this response (judged safe, or a family without codes)."""


@runtime_checkable
class ResponseClassifier(Classifier, Protocol):
    """A classifier that judges a text as the response to a prompt (chat-template guards).

    `score` still judges texts alone (as a user's message); the generation audit calls
    `score_responses` with each continuation's prompt.
    """

    def score_responses(
        self, prompts: Sequence[str], responses: Sequence[str]
    ) -> list[ResponseScores]:
        """One result per (prompt, response) pair, in input order; raises on failure."""
        ...


def classifier_device(spec: ClassifierSpec) -> str:
    """The device a classifier runs on: its `device` argument ("auto" allowed), else cpu."""
    from audit.models import ModelLoadError, resolve_device

    try:
        return str(resolve_device(spec.args.get("device", "cpu")))
    except (ModelLoadError, RuntimeError) as exc:
        raise ClassifierError(
            f"classifier_device {spec.args.get('device')}: {exc}", option="classifier_device"
        ) from exc
