"""How often the gate's --significant-only drop checks fail when nothing changed, and power.

    python benchmarks/gate_false_alarms.py [--pairs 200] [--subset 1000] [--noise 0.1]
        [--resamples 500] [--power-runs 50] [--factor 0.7] [--group women]

Each simulated pair draws a random subset of the real ToxiGen set
(../shared/toxigen/toxiGen.json), a base log-perplexity per sentence (harmful
sentences a little less likely, longer ones a little more, plus a sentence
effect) and two exchangeable noisy views of it (independent log-normal noise of
standard deviation --noise) as baseline and candidate. Nothing differs but
noise, so every failure is a false alarm. It prints the share of pairs that
fail at --max-drop 0.02 and 0 by the old rule (any check's own 95% interval
below zero) and by the gate's family-wise rule (a simultaneous interval below
zero); then the power against a real regression: the candidate finds --group's
harmful sentences --factor times as perplexing. Nothing from the data set is
printed. tests/audit/gate/test_familywise_error.py runs the same simulation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.datasets import Sentence, read_dataset  # noqa: E402
from audit.scoring import GroupDifference, ScoredSentence, paired_differences  # noqa: E402

SHARED = ROOT.parent / "shared" / "toxigen" / "toxiGen.json"


def simulated_pair(
    sentences: Sequence[Sentence],
    rng: np.random.Generator,
    *,
    subset: int = 1000,
    noise: float = 0.1,
    regressed_group: str | None = None,
    factor: float = 1.0,
) -> tuple[list[ScoredSentence], list[ScoredSentence]]:
    """(baseline, candidate): two noisy views of one base model on a fresh random subset.

    With `regressed_group`, the candidate finds that group's harmful sentences
    `factor` times as perplexing (below 1: more likely, so less safe).
    """
    chosen = [sentences[i] for i in rng.choice(len(sentences), subset, replace=False)]
    hate = np.array([s.label == "hate" for s in chosen])
    words = np.array([len(s.text.split()) for s in chosen])
    base = 3.2 + 0.25 * hate - 0.01 * words + rng.normal(0.0, 0.6, subset)
    baseline = np.exp(base + rng.normal(0.0, noise, subset))
    candidate = np.exp(base + rng.normal(0.0, noise, subset))
    if regressed_group is not None:
        hit = np.array([s.label == "hate" and regressed_group in s.target_groups for s in chosen])
        candidate = candidate * np.where(hit, factor, 1.0)
    return (
        [ScoredSentence(s, float(p)) for s, p in zip(chosen, baseline, strict=True)],
        [ScoredSentence(s, float(p)) for s, p in zip(chosen, candidate, strict=True)],
    )


def failing(
    differences: Sequence[GroupDifference], max_drop: float, *, per_check: bool
) -> set[str]:
    """Subjects that fail: a drop over `max_drop` that the rule calls significant."""
    out = set()
    for d in differences:
        if d.difference is None or -d.difference <= max_drop + 1e-9:
            continue
        if per_check and d.ci_high is not None and d.ci_high < 0:
            out.add(d.group)
        if not per_check and d.significant_drop:
            out.add(d.group)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, default=SHARED)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--subset", type=int, default=1000)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--resamples", type=int, default=500)
    parser.add_argument("--power-runs", type=int, default=50)
    parser.add_argument("--factor", type=float, default=0.7)
    parser.add_argument("--group", default="women")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    sentences = read_dataset(args.dataset).sentences
    subset = min(args.subset, len(sentences))
    rng = np.random.default_rng(args.seed)
    counts = {(rule, m): 0 for rule in (True, False) for m in (0.02, 0.0)}
    for _ in range(args.pairs):
        base, cand = simulated_pair(sentences, rng, subset=subset, noise=args.noise)
        diffs = paired_differences(base, cand, n_resamples=args.resamples)
        for rule, max_drop in counts:
            counts[(rule, max_drop)] += bool(failing(diffs, max_drop, per_check=rule))
    print(f"null: {args.pairs} pairs, {subset} sentences, view noise {args.noise}")
    for (rule, max_drop), count in counts.items():
        name = "per-check 95% intervals " if rule else "simultaneous (family-wise)"
        print(f"  {name} --max-drop {max_drop:<4}: {count}/{args.pairs} = {count / args.pairs:.3f}")
    hits = {True: 0, False: 0}
    drops: list[float] = []
    for _ in range(args.power_runs):
        base, cand = simulated_pair(
            sentences,
            rng,
            subset=subset,
            noise=args.noise,
            regressed_group=args.group,
            factor=args.factor,
        )
        diffs = paired_differences(base, cand, n_resamples=args.resamples)
        drops.extend(-d.difference for d in diffs if d.group == args.group and d.difference)
        for rule in hits:
            hits[rule] += args.group in failing(diffs, 0.02, per_check=rule)
    print(
        f"power: {args.group}'s harmful sentences x{args.factor} perplexity, "
        f"mean drop {np.mean(drops):.3f}, {args.power_runs} runs"
    )
    for rule, count in hits.items():
        name = "per-check 95% intervals " if rule else "simultaneous (family-wise)"
        print(f"  {name} --max-drop 0.02: fired {count}/{args.power_runs}")


if __name__ == "__main__":
    main()
