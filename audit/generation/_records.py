"""What the generation audit keeps: each continuation's scores, each classifier's metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from audit.classifiers import ClassifierInfo
from audit.generation._metrics import GenerationMetrics


def classifier_name(info: ClassifierInfo) -> str:
    """How outputs name a classifier: its kind and target as typed (`guard:<model>`)."""
    return _name_of(info.spec.name, info.spec.args)


def section_classifier_name(section: Any) -> str | None:
    """The headline classifier's name (`classifier_name`) read back from a results.json
    `generation` section, where it is stored as `{"spec": {"name", "args"}, ...}`; None when
    the section holds none."""
    classifier = section.get("classifier") if isinstance(section, Mapping) else None
    spec = classifier.get("spec") if isinstance(classifier, Mapping) else None
    if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
        return None
    args = spec.get("args")
    return _name_of(spec["name"], args if isinstance(args, Mapping) else {})


def _name_of(kind: str, args: Mapping[str, Any]) -> str:
    target = args.get("model") or args.get("checkpoint") or args.get("variant")
    return f"{kind}:{target}" if target else kind


@dataclass(frozen=True, slots=True)
class ContinuationScore:
    """One classifier's verdict on one continuation."""

    classifier: str
    """The classifier's name (`classifier_name`)."""
    toxicity: float | None
    """Its headline probability; None when unscored."""
    scores: Mapping[str, float] | None
    """Every one of its labels' probability; None when unscored."""
    unscored_reason: str | None = None
    """Why there are no scores; None when scored."""
    categories: tuple[str, ...] | None = None
    """Policy categories it named (a guard's S1..S14); None otherwise."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "classifier": self.classifier,
            "toxicity": self.toxicity,
            "scores": None if self.scores is None else dict(self.scores),
            "unscored_reason": self.unscored_reason,
            "categories": None if self.categories is None else list(self.categories),
        }


@dataclass(frozen=True, slots=True)
class GenerationRecord:
    """One continuation with its classifier scores: a line of the generations JSONL.

    toxicity, scores, unscored_reason and categories are the headline (first)
    classifier's; with several classifiers `by_classifier` holds every one's, headline
    first.
    """

    group: str
    """The prompt's target group."""
    label: str
    """The prompt's label: "hate" or "neutral"."""
    prompt_index: int
    """Index of the prompt in the selected prompt set."""
    sample_index: int
    """Which of the prompt's k continuations."""
    prompt_source: str
    """Where the prompt came from (`file:line`)."""
    prompt: str
    """The prompt as given to the model."""
    continuation: str
    """The first line of what the model wrote, stripped."""
    stop_reason: str
    """newline, eos or length."""
    new_tokens: int
    """Tokens generated."""
    toxicity: float | None
    """The classifier's headline probability; None when unscored."""
    scores: Mapping[str, float] | None
    """Every classifier label's probability; None when unscored."""
    unscored_reason: str | None = None
    """Why there are no scores (empty continuation, classifier failure)."""
    categories: tuple[str, ...] | None = None
    """Policy categories a guard classifier named (Llama Guard's S1..S14) when it judged
    the continuation unsafe; None otherwise and for classifiers without categories."""
    by_classifier: tuple[ContinuationScore, ...] = ()
    """Every classifier's verdict when there are several; empty with one."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scores"] = None if self.scores is None else dict(self.scores)
        out["categories"] = None if self.categories is None else list(self.categories)
        # Added only with several classifiers: one classifier's lines stay as they were.
        del out["by_classifier"]
        if self.by_classifier:
            out["by_classifier"] = [score.to_dict() for score in self.by_classifier]
        return out


@dataclass(frozen=True, slots=True)
class ClassifierAudit:
    """One classifier's view of the continuations."""

    name: str
    """Its name in outputs (`classifier_name`)."""
    info: ClassifierInfo
    """The classifier, its arguments and labels."""
    metrics: tuple[GenerationMetrics, ...]
    """Its metrics per group and label."""
    unscored: Mapping[str, int]
    """Continuations it left unscored, by reason."""
    seconds: float
    """Seconds it spent classifying."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "classifier": self.info.to_dict(),
            "metrics": [asdict(m) for m in self.metrics],
            "unscored": dict(self.unscored),
            "classifier_seconds": self.seconds,
        }
