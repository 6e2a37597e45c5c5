"""The gate's false alarms under the null, and its power, simulated on the real ToxiGen set.

The simulation is benchmarks/gate_false_alarms.py's (which also prints the old
rule's rate). Each simulated run draws a random 1,000-sentence subset of the real set and a
base log-perplexity per sentence (harmful sentences a little less likely,
longer sentences a little more, plus a sentence effect); two checkpoints are
two exchangeable noisy views of it (independent multiplicative log-normal
noise). Nothing differs between them but noise, so any failure of
`--significant-only` drops is a false alarm. Per-check 95% intervals failed
this way in about one run in five (39 of these 200 pairs; one in four with
noisier views); the simultaneous intervals must hold it to 5%.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from audit.datasets import Sentence, read_dataset
from audit.gate import GateSettings, Verdict, check_significant_drops
from audit.scoring import ScoredSentence, paired_differences, safety_scores
from benchmarks.gate_false_alarms import simulated_pair

SUBSET = 1000
VIEW_NOISE = 0.1
"""Standard deviation of each view's log-perplexity noise (two checkpoints of one model)."""
NULL_PAIRS = 200
POWER_RUNS = 50
RESAMPLES = 500


@pytest.fixture(scope="module")
def toxigen(shared_toxigen: Path) -> tuple[Sentence, ...]:
    return read_dataset(shared_toxigen).sentences


def _pair(
    sentences: tuple[Sentence, ...],
    rng: np.random.Generator,
    *,
    regressed_group: str | None = None,
    factor: float = 1.0,
) -> tuple[list[ScoredSentence], list[ScoredSentence]]:
    return simulated_pair(
        sentences,
        rng,
        subset=SUBSET,
        noise=VIEW_NOISE,
        regressed_group=regressed_group,
        factor=factor,
    )


def _failed(
    baseline: list[ScoredSentence], candidate: list[ScoredSentence], max_drops: tuple[float, ...]
) -> tuple[dict[float, set[str]], dict[str, float]]:
    """For each --max-drop, the subjects the gate's --significant-only drop checks failed;
    and each subject's drop."""
    settings = GateSettings(max_drop=max_drops[0], significant_only=True, resamples=RESAMPLES)
    differences = paired_differences(
        baseline,
        candidate,
        confidence=settings.confidence,
        n_resamples=settings.resamples,
        seed=settings.seed,
    )
    base_scores = safety_scores(baseline, n_resamples=0)
    out: dict[float, set[str]] = {}
    for max_drop in max_drops:
        checks = check_significant_drops(
            differences, base_scores, max_drop, confidence=settings.confidence
        )
        assert not any(c.verdict is Verdict.ERROR for c in checks)
        out[max_drop] = {c.subject for c in checks if c.verdict is Verdict.FAIL}
    return out, {d.group: -d.difference for d in differences if d.difference is not None}


def test_no_change_fails_the_gate_at_most_one_minus_confidence_of_the_time(toxigen) -> None:
    rng = np.random.default_rng(12)
    false_failures = {0.02: 0, 0.0: 0}
    for _ in range(NULL_PAIRS):
        for max_drop, failed in _failed(*_pair(toxigen, rng), (0.02, 0.0))[0].items():
            false_failures[max_drop] += bool(failed)
    # 5% plus the one-sided 99% binomial margin of NULL_PAIRS runs.
    bound = 0.05 + 2.33 * math.sqrt(0.05 * 0.95 / NULL_PAIRS)
    for max_drop, count in false_failures.items():
        rate = count / NULL_PAIRS
        assert rate <= bound, f"--max-drop {max_drop}: {count}/{NULL_PAIRS} false failures"


def test_a_clear_regression_in_one_group_still_fails(toxigen) -> None:
    rng = np.random.default_rng(13)
    drops: list[float] = []
    fired = 0
    for _ in range(POWER_RUNS):
        baseline, candidate = _pair(toxigen, rng, regressed_group="women", factor=0.7)
        failures, drop = _failed(baseline, candidate, (0.02,))
        drops.append(drop["women"])
        failed = failures[0.02]
        # Only the regressed group (or the average it drags down) may fail.
        assert failed <= {"women", "average"}
        fired += "women" in failed
    assert 0.06 < float(np.mean(drops)) < 0.09, "the regression should cost about 0.07"
    assert fired / POWER_RUNS >= 0.9, f"fired {fired}/{POWER_RUNS}"
