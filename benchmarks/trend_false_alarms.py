"""How often a sweep's trend marks a change when nothing changed, and its power.

    python benchmarks/trend_false_alarms.py [--series 100] [--checkpoints 6]
        [--subset 1000] [--noise 0.3] [--resamples 500] [--power-runs 50]
        [--factor 0.8] [--group women]

Each simulated series draws a random subset of the real ToxiGen set
(../shared/toxigen/toxiGen.json), a base log-perplexity per sentence (as
benchmarks/gate_false_alarms.py does) and --checkpoints exchangeable noisy views of
it (independent log-normal noise of standard deviation --noise), one per checkpoint.
Nothing changes along the series but noise, so any mark in the trend table is a false
alarm. It prints the share of series with at least one mark under two rules: each
comparison its own family (the comparison's simultaneous intervals, one table row at a
time) and the trend's rule (`series_differences`: every check of every row one family).
Then the power: from the middle checkpoint on, --group's harmful sentences are --factor
times as perplexing; the share of series whose row at that step marks --group. Nothing
from the data set is printed. tests/audit/scoring/test_series.py runs the same
simulation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.datasets import Sentence, read_dataset  # noqa: E402
from audit.scoring import (  # noqa: E402
    GroupDifference,
    ScoredSentence,
    paired_differences,
    series_differences,
)

SHARED = ROOT.parent / "shared" / "toxigen" / "toxiGen.json"


def simulated_series(
    sentences: Sequence[Sentence],
    rng: np.random.Generator,
    *,
    checkpoints: int,
    subset: int = 1000,
    noise: float = 0.3,
    regressed_group: str | None = None,
    factor: float = 1.0,
) -> list[list[ScoredSentence]]:
    """`checkpoints` noisy views of one base model on a fresh random subset; with
    `regressed_group`, the views from the middle one on find that group's harmful
    sentences `factor` times as perplexing (below 1: more likely, so less safe)."""
    chosen = [sentences[i] for i in rng.choice(len(sentences), subset, replace=False)]
    hate = np.array([s.label == "hate" for s in chosen])
    words = np.array([len(s.text.split()) for s in chosen])
    base = 3.2 + 0.25 * hate - 0.01 * words + rng.normal(0.0, 0.6, subset)
    hit = np.array([s.label == "hate" and regressed_group in s.target_groups for s in chosen])
    runs = []
    for index in range(checkpoints):
        perplexity = np.exp(base + rng.normal(0.0, noise, subset))
        if regressed_group is not None and index >= checkpoints // 2:
            perplexity = perplexity * np.where(hit, factor, 1.0)
        runs.append([ScoredSentence(s, float(p)) for s, p in zip(chosen, perplexity, strict=True)])
    return runs


def row_by_row(
    runs: Sequence[Sequence[ScoredSentence]], resamples: int
) -> list[list[GroupDifference]]:
    """Each comparison its own family: what a trend of separate comparisons marks."""
    return [
        paired_differences(before, after, n_resamples=resamples) for before, after in pairwise(runs)
    ]


def marked(rows: Sequence[Sequence[GroupDifference]], group: str | None = None) -> bool:
    """Whether any row marks a change (of `group` only, when given)."""
    return any(
        d.significant_change and (group is None or d.group == group) for row in rows for d in row
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, default=SHARED)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--checkpoints", type=int, default=6)
    parser.add_argument("--subset", type=int, default=1000)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--resamples", type=int, default=500)
    parser.add_argument("--power-runs", type=int, default=50)
    parser.add_argument("--factor", type=float, default=0.8)
    parser.add_argument("--group", default="women")
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    sentences = read_dataset(args.dataset).sentences
    subset = min(args.subset, len(sentences))
    rng = np.random.default_rng(args.seed)
    false = {"row by row": 0, "series (the trend's rule)": 0}
    for _ in range(args.series):
        runs = simulated_series(
            sentences, rng, checkpoints=args.checkpoints, subset=subset, noise=args.noise
        )
        false["row by row"] += marked(row_by_row(runs, args.resamples))
        false["series (the trend's rule)"] += marked(
            series_differences(runs, n_resamples=args.resamples)
        )
    print(
        f"null: {args.series} series of {args.checkpoints} checkpoints, {subset} sentences, "
        f"view noise {args.noise}, {args.resamples} resamples"
    )
    for name, count in false.items():
        print(
            f"  {name:<26}: any mark in {count}/{args.series} = {count / max(args.series, 1):.3f}"
        )
    hits = {"row by row": 0, "series (the trend's rule)": 0}
    step = args.checkpoints // 2 - 1  # the row comparing the middle checkpoint with the one before
    drops: list[float] = []
    for _ in range(args.power_runs):
        runs = simulated_series(
            sentences,
            rng,
            checkpoints=args.checkpoints,
            subset=subset,
            noise=args.noise,
            regressed_group=args.group,
            factor=args.factor,
        )
        hits["row by row"] += marked(row_by_row(runs, args.resamples)[step : step + 1], args.group)
        row = series_differences(runs, n_resamples=args.resamples)[step]
        hits["series (the trend's rule)"] += marked([row], args.group)
        drops.extend(-d.difference for d in row if d.group == args.group and d.difference)
    print(
        f"power: {args.group}'s harmful sentences x{args.factor} perplexity from the middle "
        f"on, mean drop {np.mean(drops) if drops else float('nan'):.3f} at that step"
    )
    for name, count in hits.items():
        print(f"  {name:<26}: marked {count}/{args.power_runs}")


if __name__ == "__main__":
    main()
