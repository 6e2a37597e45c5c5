"""Constructed runs for the gate tests: scores, perplexities and drops built from data.

Per group of 13 constructed groups (12 harmful, 12 neutral sentences), the
neutral sentences get scaled perplexities 10, 20, ..., 120. The baseline puts
six harmful sentences above every neutral one, five below every neutral one
and one in the middle (beating six): 78 of 144 pairs, score 0.542.

Two candidates lose exactly 12 of the 144 pairs in every group, the same drop
of 1/12 per group and on the average:
- `consistent`: the six top harmful sentences each slip below the two highest
  neutral ones. Every resample of the sentences shows the drop.
- `noisy`: the six top harmful sentences fall to the bottom and the five bottom
  ones rise to the top. The net change is the same, but it is carried by a few
  large moves in both directions, so resampling the sentences moves it through
  zero: the data do not support a drop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from audit.datasets import TOXIGEN_GROUPS, Label, Sentence
from audit.generation import CellScores, classifier_agreement
from audit.results import AuditResult, AuditSettings, DatasetRef, write_perplexities, write_results
from audit.scoring import ScoredSentence, safety_scores

NEUTRAL_VALUES = tuple(10.0 * (j + 1) for j in range(12))
TOP, BOTTOM, MIDDLE = (125.0, 126.0, 127.0, 128.0, 129.0, 130.0), (1.0, 2.0, 3.0, 4.0, 5.0), 65.0
BASELINE_HARMFUL = (*TOP, *BOTTOM, MIDDLE)
CONSISTENT_HARMFUL = (101.0, 102.0, 103.0, 104.0, 105.0, 106.0, *BOTTOM, MIDDLE)
NOISY_HARMFUL = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 121.0, 122.0, 123.0, 124.0, 125.0, MIDDLE)
DROP = 12 / 144

Layout = tuple[float, ...]


def constructed_sentences() -> tuple[Sentence, ...]:
    """13 groups x (12 harmful + 12 neutral) synthetic rows, independent of the sample set."""
    rows: list[Sentence] = []
    labels: tuple[tuple[Label, float, float], ...] = (("hate", 3.5, 0.5), ("neutral", 1.0, 0.0))
    for group in TOXIGEN_GROUPS:
        for label, toxicity, spread in labels:
            for index in range(12):
                text = f"constructed {label} sentence {index} about {group}"
                score = toxicity + spread * (index % 3)
                rows.append(Sentence(len(rows), text, label, score, (group,)))
    return tuple(rows)


def scored_rows(harmful: Layout, neutral: Layout = NEUTRAL_VALUES) -> list[ScoredSentence]:
    """Perplexities that give these scaled values in every group."""
    rows: list[ScoredSentence] = []
    seen: dict[tuple[str, str], int] = {}
    for sentence in constructed_sentences():
        key = (sentence.target_groups[0], sentence.label)
        index = seen.get(key, 0)
        seen[key] = index + 1
        values = harmful if sentence.label == "hate" else neutral
        rows.append(ScoredSentence(sentence, values[index] * sentence.toxicity_score))
    return rows


def run_result(
    rows: list[ScoredSentence],
    *,
    name: str = "candidate",
    generation: dict[str, Any] | None = None,
    sha256: str = "f" * 64,
) -> AuditResult:
    scores = safety_scores(rows, n_resamples=200, seed=0)
    extra = {} if generation is None else {"generation": generation}
    return AuditResult(
        name=name,
        model={"reference": name},
        dataset=DatasetRef("constructed", "tests", sha256, len(rows)),
        settings=AuditSettings(
            batch_tokens=512, alpha=0.05, confidence=0.95, n_resamples=200, seed=0
        ),
        scores=scores,
        unscored={},
        truncated=0,
        timings={},
        software={},
        machine={},
        created_at="2026-01-01T00:00:00+00:00",
        extra=extra,
    )


def write_run(directory: Path, rows: list[ScoredSentence], **kwargs: Any) -> Path:
    """results.json and perplexities.json in `directory`; returns the results path."""
    directory.mkdir(parents=True, exist_ok=True)
    write_perplexities(directory / "perplexities.json", rows)
    write_results(directory / "results.json", run_result(rows, **kwargs))
    return directory / "results.json"


def generation_section(
    toxic_fraction: Callable[[str, str], float | None],
    expected_max: Callable[[str, str], float | None] = lambda group, label: 0.1,
) -> dict[str, Any]:
    """A generation section with one entry per group and label."""
    groups = sorted(TOXIGEN_GROUPS)
    entries = []
    for group in groups:
        for label in ("hate", "neutral"):
            fraction = toxic_fraction(group, label)
            entry: dict[str, Any] = {
                "group": group,
                "label": label,
                "toxic_fraction": None
                if fraction is None
                else {"value": fraction, "ci_low": fraction / 2, "ci_high": min(1.0, fraction * 2)},
                "expected_max_toxicity": expected_max(group, label),
            }
            if fraction is None:
                entry["unscored_reason"] = "classifier failed on every continuation"
            entries.append(entry)
    return {
        "classifier": {"spec": {"name": "profanity-check", "args": {}}},
        "confidence": 0.9,
        "metrics": entries,
    }


SECOND_CLASSIFIER = "hf:org/tox-bert"
"""The second classifier of `several_classifiers_section`: a name with `:` and `/`, which
tracker keys must not nest."""


def several_classifiers_section(base: dict[str, Any]) -> dict[str, Any]:
    """`base` (a `generation_section`) as two classifiers wrote it: the headline's metrics,
    each classifier's (the second's toxic fraction halved) and their agreement, computed
    by audit.generation on scores where the two agree in every women cell and on nothing
    else (every other cell's kappa is undefined: both call everything non-toxic)."""
    second = [
        {**entry, "toxic_fraction": None}
        if entry["toxic_fraction"] is None
        else {**entry, "toxic_fraction": {"value": entry["toxic_fraction"]["value"] / 2}}
        for entry in base["metrics"]
    ]
    cells = [
        CellScores(
            entry["group"],
            entry["label"],
            {
                "profanity-check": [0.9, 0.1, 0.8, 0.2, 0.7, 0.3]
                if entry["group"] == "women"
                else [0.1, 0.2, 0.3, 0.1, 0.2, 0.3],
                SECOND_CLASSIFIER: [0.8, 0.2, 0.9, 0.1, 0.6, 0.4]
                if entry["group"] == "women"
                else [0.3, 0.1, 0.2, 0.2, 0.3, 0.1],
            },
        )
        for entry in base["metrics"]
    ]
    agreement = classifier_agreement(cells, n_resamples=200, seed=0)
    return {
        **base,
        "classifiers": [
            {"name": "profanity-check", "metrics": base["metrics"]},
            {"name": SECOND_CLASSIFIER, "metrics": second},
        ],
        "agreement": [a.to_dict() for a in agreement],
    }


def unscore(rows: list[ScoredSentence], group: str, label: str) -> list[ScoredSentence]:
    """The rows with every sentence of one group and label left unscored."""
    return [
        replace(r, perplexity=None, unscored_reason="too short")
        if r.sentence.target_groups == (group,) and r.sentence.label == label
        else r
        for r in rows
    ]
