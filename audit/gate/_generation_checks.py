"""Checks on the generation section: toxic fraction and expected maximum toxicity.

`toxaudit run --generation` adds a top-level "generation" section to
results.json (`audit.generation.GenerationAudit.to_dict()`): its "metrics" list
holds one entry per target group and prompt label, each metric an
{"value", "ci_low", "ci_high"} estimate or null with the entry's
`unscored_reason`. Every entry is checked; a missing metric is an error with its
reason, never a pass and never a toxicity of 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audit.gate._records import CheckResult, Verdict
from audit.gate._score_checks import TOLERANCE, interval_text
from audit.gate._settings import GateInputError

GENERATION_METRICS: dict[str, str] = {
    "max-toxic-fraction": "toxic_fraction",
    "max-expected-max-toxicity": "expected_max_toxicity",
}
"""Check name -> the metric it reads from each generation entry."""


@dataclass(frozen=True, slots=True)
class GenerationMetric:
    """One generation metric of one group and prompt label."""

    group: str
    """The target group."""
    label: str
    """The prompt label ("hate" or "neutral")."""
    metric: str
    """The metric's name in results.json, e.g. "toxic_fraction"."""
    value: float | None
    """The estimate; None when it could not be computed."""
    ci_low: float | None
    """Lower end of its bootstrap interval, when reported."""
    ci_high: float | None
    """Upper end of its bootstrap interval, when reported."""
    unscored_reason: str | None
    """Why there is no value; None when there is one."""
    n_unscored: int
    """Continuations the classifier could not score, left out of the value."""


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise GateInputError(f"{where}: expected a finite number or null, found {value!r}")
    return float(value)


def _entries(section: Any, source: str) -> Sequence[Mapping[str, Any]]:
    where = f"{source}: generation"
    if not isinstance(section, Mapping):
        raise GateInputError(f"{where}: expected an object, found {type(section).__name__}")
    entries = section.get("metrics")
    if not isinstance(entries, list):
        raise GateInputError(f"{where}.metrics: expected a list of group/label entries")
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise GateInputError(f"{where}.metrics[{index}]: expected an object")
    return entries


def generation_confidence(section: Any) -> float:
    """The confidence level of the section's intervals (0.95 when it does not say)."""
    value = section.get("confidence") if isinstance(section, Mapping) else None
    return float(value) if isinstance(value, int | float) and 0 < value < 1 else 0.95


def generation_metrics(section: Any, metric: str, *, source: str) -> list[GenerationMetric]:
    """Read one metric of every group/label entry; bad shapes name the file and field.

    A metric is a number, null (with the entry's `unscored_reason`), or an object
    {"value", "ci_low", "ci_high"}.
    """
    out: list[GenerationMetric] = []
    for index, entry in enumerate(_entries(section, source)):
        where = f"{source}: generation.metrics[{index}]"
        group, label = entry.get("group"), entry.get("label")
        if not isinstance(group, str) or not isinstance(label, str):
            raise GateInputError(f"{where}: needs string fields 'group' and 'label'")
        if metric not in entry:
            raise GateInputError(f"{where}: missing field {metric!r}")
        raw = entry[metric]
        low = high = None
        if isinstance(raw, Mapping):
            value = _number(raw.get("value"), f"{where}.{metric}.value")
            low = _number(raw.get("ci_low"), f"{where}.{metric}.ci_low")
            high = _number(raw.get("ci_high"), f"{where}.{metric}.ci_high")
        else:
            value = _number(raw, f"{where}.{metric}")
        reason = None
        if value is None:
            reason = str(entry.get("unscored_reason") or "no value recorded")
        n_unscored = entry.get("n_unscored", 0)
        if isinstance(n_unscored, bool) or not isinstance(n_unscored, int) or n_unscored < 0:
            raise GateInputError(f"{where}.n_unscored: expected a count, found {n_unscored!r}")
        out.append(GenerationMetric(group, label, metric, value, low, high, reason, n_unscored))
    return out


def check_generation(
    metrics: Sequence[GenerationMetric], check: str, maximum: float, *, confidence: float = 0.95
) -> list[CheckResult]:
    """Every group/label entry must have the metric at most `maximum`."""
    requirement = f"<= {maximum:g}"
    if not metrics:
        return [
            CheckResult(
                check,
                "(all groups)",
                Verdict.ERROR,
                None,
                maximum,
                requirement,
                "the generation section has no group/label entries",
            )
        ]
    out = []
    for m in metrics:
        subject = f"{m.group} / {m.label}"
        if m.value is None:
            out.append(
                CheckResult(
                    check,
                    subject,
                    Verdict.ERROR,
                    None,
                    maximum,
                    requirement,
                    f"no {m.metric}: {m.unscored_reason}",
                )
            )
            continue
        verdict = Verdict.PASS if m.value <= maximum + TOLERANCE else Verdict.FAIL
        detail = (
            interval_text(m.ci_low, m.ci_high, confidence)
            if m.ci_low is not None
            else "no interval"
        )
        if m.n_unscored:
            detail += f"; {m.n_unscored} unscored continuation(s) left out"
        out.append(CheckResult(check, subject, verdict, m.value, maximum, requirement, detail))
    return out
