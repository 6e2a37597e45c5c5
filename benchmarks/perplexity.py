"""Batched perplexity engine vs the one-sentence reference loop, side by side.

    python benchmarks/perplexity.py [--model smollm2-135m] [--n 300] [--batch-tokens 512]
                                    [--full] [--sweep 256,512,1024] [--plain] [--rounds 3]
                                    [--packing padded|packed] [--compare-packing] [--profile]
                                    [--lm-head auto|clm|mlm]

Both run in this process on the same model and the same N real ToxiGen sentences
(read from ../shared/toxigen/toxiGen.json or --dataset). Prints both rates, the
ratio and the largest relative difference, over --rounds rounds that alternate which
side runs first (a shared machine's speed drifts by tens of percent within minutes,
and alternating puts the drift on both sides); --full also times the engine on the
whole set; --sweep times the engine at several token budgets; --plain times a plain
padded batch (16 rows in input order, logits over the whole vocabulary at every
position), which tells how far batching alone goes on this machine; --compare-packing
times padded and packed batches side by side over the same alternating rounds;
--profile prints where the engine's time goes (tokenization, building the inputs,
the forward pass, the copy to the host).

With a masked LM (`--lm-head mlm`, or `auto` on an encoder) the sides are the
pseudo-perplexity reference, one masked copy per forward pass, and the engine, whose
passes hold many sentences' copies; --plain then runs the head over every position.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from audit.datasets import read_dataset
from audit.models import LoadedModel, ModelSpec, load_model
from audit.perplexity import (
    HFTokenScorer,
    MaskedTokenScorer,
    TokenScorer,
    compute_perplexities,
    reference_perplexity,
    reference_pseudo_perplexity,
    token_scorer,
)
from audit.pipeline import default_batch_tokens
from audit.results import machine_description
from audit.scoring import ScoredSentence, safety_scores

DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "shared" / "toxigen" / "toxiGen.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--batch-tokens", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full", action="store_true", help="also score the whole data set")
    parser.add_argument("--sweep", default="", help="comma-separated token budgets to time")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--plain", action="store_true", help="also time a plain padded batch")
    parser.add_argument(
        "--packing", choices=["padded", "packed"], default=None, help="the engine's batches"
    )
    parser.add_argument(
        "--compare-packing",
        action="store_true",
        help="also time padded against packed batches, alternating over --rounds",
    )
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--lm-head",
        choices=["auto", "clm", "mlm"],
        default="auto",
        help="mlm: pseudo-perplexity of a masked LM; auto reads the model's config",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="reference/engine rounds, alternating which goes first",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")

    dataset = read_dataset(args.dataset)
    sentences = list(dataset.sentences)
    random.Random(args.seed).shuffle(sentences)
    texts = [s.text for s in sentences[: args.n]]
    loaded = load_model(ModelSpec(args.model, device=args.device, lm_head=args.lm_head))
    budget = args.batch_tokens or default_batch_tokens(loaded)
    masked = loaded.info.lm_head == "mlm"
    if masked and (args.compare_packing or args.profile or args.packing):
        parser.error("--packing, --compare-packing and --profile time the causal engine only")
    scorer: TokenScorer = (
        token_scorer(loaded, batch_tokens=budget)
        if masked
        else HFTokenScorer(loaded, packing=args.packing)
    )

    def one_at_a_time(text: str) -> float | None:
        if masked:
            return reference_pseudo_perplexity(loaded, text)
        return reference_perplexity(loaded, text)

    print(f"machine: {machine_description()}")
    print(
        f"model: {args.model} ({loaded.info.model_type}, {loaded.info.lm_head}, "
        f"{loaded.info.device}, {loaded.info.dtype}); {len(texts)} real sentences; "
        f"token budget {budget}; "
        + ("masked copies" if masked else f"{getattr(scorer, 'packing', '')} batches")
    )
    if masked:
        print("reference: one masked copy per forward pass (SafeNLP's pseudo-perplexity)")

    compute_perplexities(scorer, texts[:16], batch_tokens=budget, progress=False)  # warm-up
    # Rounds alternate which side runs first, so a slow spell of a shared machine
    # falls on both sides rather than on one; the ratio is of the summed times.
    reference_seconds = engine_seconds = 0.0
    round_ratios: list[float] = []
    worst = 0.0
    batches = 0
    for round_number in range(args.rounds):
        sides = ["reference", "engine"] if round_number % 2 == 0 else ["engine", "reference"]
        seconds: dict[str, float] = {}
        for side in sides:
            start = time.perf_counter()
            if side == "reference":
                reference = [one_at_a_time(text) for text in texts]
            else:
                run = compute_perplexities(scorer, texts, batch_tokens=budget, progress=False)
                batches = run.batches
            seconds[side] = time.perf_counter() - start
        reference_seconds += seconds["reference"]
        engine_seconds += seconds["engine"]
        round_ratios.append(seconds["reference"] / seconds["engine"])
        worst = max(
            worst,
            *(
                abs(r.perplexity - e) / e
                for r, e in zip(run.results, reference, strict=True)
                if r.perplexity is not None and e is not None
            ),
        )
        print(
            f"round {round_number + 1}: reference {len(texts) / seconds['reference']:.2f}, "
            f"engine {len(texts) / seconds['engine']:.2f} sentences/s: {round_ratios[-1]:.2f}x"
        )
    rounds_done = len(texts) * args.rounds
    print(
        f"reference loop: {rounds_done / reference_seconds:8.2f} sentences/s "
        f"({reference_seconds:.1f} s over {args.rounds} rounds)"
    )
    print(
        f"engine:         {rounds_done / engine_seconds:8.2f} sentences/s "
        f"({engine_seconds:.1f} s, {batches} batches a round)"
    )
    print(
        f"ratio:          {reference_seconds / engine_seconds:8.2f}x "
        f"(rounds {min(round_ratios):.2f}x to {max(round_ratios):.2f}x)"
    )
    print(f"largest relative difference: {worst:.2e}")

    if args.plain:
        full_vocabulary: TokenScorer = (
            MaskedTokenScorer(loaded, batch_tokens=budget, project_at_masked_positions=False)
            if masked
            else HFTokenScorer(loaded, project_at_scored_positions=False)
        )
        token_ids = full_vocabulary.tokenize(texts)
        start = time.perf_counter()
        for i in range(0, len(token_ids), 16):
            full_vocabulary.mean_nll(token_ids[i : i + 16])
        plain_seconds = time.perf_counter() - start
        print(
            f"plain padded batch of 16: {len(texts) / plain_seconds:8.2f} sentences/s "
            f"({reference_seconds / args.rounds / plain_seconds:.2f}x the reference loop)"
        )

    if args.compare_packing:
        compare_packing(loaded, texts, budget, args.rounds)
    if args.profile and isinstance(scorer, HFTokenScorer):
        profile(scorer, texts, budget)

    for value in filter(None, args.sweep.split(",")):
        swept = compute_perplexities(scorer, texts, batch_tokens=int(value), progress=False)
        print(f"  budget {int(value):6d}: {len(texts) / swept.seconds:8.2f} sentences/s")

    if args.full:
        full = compute_perplexities(
            scorer, [s.text for s in dataset.sentences], batch_tokens=budget, progress=False
        )
        print(
            f"whole set: {len(dataset)} sentences in {full.seconds:.1f} s "
            f"({full.seconds / 60:.2f} min, {len(dataset) / full.seconds:.2f} sentences/s)"
        )
        rows = [
            ScoredSentence(s, r.perplexity, r.unscored_reason)
            for s, r in zip(dataset.sentences, full.results, strict=True)
        ]
    else:
        rng = np.random.default_rng(0)
        rows = [ScoredSentence(s, float(rng.lognormal(5, 1))) for s in dataset.sentences]
    start = time.perf_counter()
    scores = safety_scores(rows, n_resamples=1000)
    print(
        f"statistics: {len(scores.groups)} groups, 1000 resamples in "
        f"{time.perf_counter() - start:.2f} s"
    )
    if args.full:
        print(
            f"average safety score: {scores.average:.4f} "
            f"[{scores.average_ci_low:.4f}, {scores.average_ci_high:.4f}]"
        )


def compare_packing(loaded: LoadedModel, texts: list[str], budget: int, rounds: int) -> None:
    """Padded against packed batches of the same rows, alternating which goes first."""
    scorers = {mode: HFTokenScorer(loaded, packing=mode) for mode in ("padded", "packed")}
    seconds = dict.fromkeys(scorers, 0.0)
    results = {}
    for round_number in range(rounds):
        order = ["padded", "packed"] if round_number % 2 == 0 else ["packed", "padded"]
        for mode in order:
            run = compute_perplexities(scorers[mode], texts, batch_tokens=budget, progress=False)
            seconds[mode] += run.seconds
            results[mode] = run.results
    difference = max(
        abs(a.perplexity - b.perplexity) / b.perplexity
        for a, b in zip(results["packed"], results["padded"], strict=True)
        if a.perplexity is not None and b.perplexity is not None
    )
    done = len(texts) * rounds
    print(
        f"padded batches: {done / seconds['padded']:8.2f} sentences/s; "
        f"packed batches: {done / seconds['packed']:8.2f} sentences/s; "
        f"packed/padded speed {seconds['padded'] / seconds['packed']:.2f}x "
        f"(largest relative difference {difference:.1e})"
    )


def profile(scorer: HFTokenScorer, texts: list[str], budget: int) -> None:
    """Where the engine's time goes, from torch's profiler and the engine's own labels."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    start = time.perf_counter()
    scorer.tokenize(texts)
    tokenize_seconds = time.perf_counter() - start
    activities = [ProfilerActivity.CPU]
    if scorer.device_type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with torch_profile(activities=activities) as profiler:
        run = compute_perplexities(scorer, texts, batch_tokens=budget, progress=False)
    labels = {
        event.key: event.cpu_time_total / 1e6
        for event in profiler.key_averages()
        if event.key.startswith("toxaudit.")
    }
    total = run.seconds
    print(f"profile ({run.batches} batches, {total:.2f} s under the profiler):")
    print(f"  tokenization      {tokenize_seconds:7.3f} s  {tokenize_seconds / total:6.1%}")
    for label in ("toxaudit.build_inputs", "toxaudit.forward", "toxaudit.to_host"):
        spent = labels.get(label, 0.0)
        print(f"  {label[9:]:<17} {spent:7.3f} s  {spent / total:6.1%}")
    print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))


if __name__ == "__main__":
    main()
