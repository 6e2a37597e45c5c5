"""Batched generation vs one prompt at a time, and classifier throughput.

    python benchmarks/generation.py [--model smollm2-135m] [--prompts sample] [--n 52]
                                    [--threads N] [--classifier profanity-check ...]

In one process, on the same model and prompts, greedy, 32 new tokens:
  1. one at a time, as a transformers text-generation pipeline call per prompt does it
     (the continuation is then cut at its first line, as the audit does);
  2. the batched path (audit.generation.generate_continuations);
  3. the batched path with one row per batch, to separate batching from early stopping.
Prints the rates, the ratio and whether the continuations are identical; then each
classifier's throughput in texts per second on those continuations. `--guard REF` times a
guard classifier on the continuations with their prompts, batched and one at a time
(REF is guard:<hub id or directory>, or tiny:<family> for a tiny random guard of that
family built in a temporary directory: tiny:llama-guard, tiny:shieldgemma,
tiny:granite-guardian).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

from audit.classifiers import load_classifier, parse_classifier, score_texts
from audit.generation import (
    GenerationSettings,
    first_line,
    generate_continuations,
    load_prompts,
    select_prompts,
)
from audit.models import ModelSpec, load_model
from audit.results import machine_description


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument(
        "--prompts", default="sample", help="sample, toxigen-prompts or a directory"
    )
    parser.add_argument("--n", type=int, default=52, help="prompts (spread over groups and labels)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-tokens", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--classifier",
        action="append",
        default=None,
        help="classifier to time (repeatable; default profanity-check)",
    )
    parser.add_argument("--classifier-config", default=None)
    parser.add_argument("--classifier-texts", type=int, default=512)
    parser.add_argument(
        "--guard",
        action="append",
        default=None,
        metavar="REF",
        help="guard classifier to time with the prompts (repeatable): guard:<id or dir> or "
        "tiny:<family>",
    )
    parser.add_argument("--guard-batch", type=int, default=32, help="texts per guard batch")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    prompt_set = load_prompts(args.prompts)
    cells = len({(p.group, p.label) for p in prompt_set.prompts})
    selected = select_prompts(prompt_set, per_group=max(1, -(-args.n // cells)), seed=0)
    prompts = [p.text for p in selected.prompts][: args.n]
    loaded = load_model(ModelSpec(args.model, device=args.device))
    tokens = [len(ids) for ids in loaded.tokenizer(prompts)["input_ids"]]
    print(f"machine: {machine_description()}; torch threads: {torch.get_num_threads()}")
    print(
        f"model: {args.model} ({loaded.info.model_type}, {loaded.info.device}, "
        f"{loaded.info.dtype}); {len(prompts)} prompts from {args.prompts}, "
        f"{sum(tokens) / len(tokens):.0f} tokens on average; greedy, "
        f"{args.max_new_tokens} new tokens at most"
    )

    from transformers import pipeline

    generator = pipeline(  # type: ignore[call-overload]
        "text-generation", model=loaded.model, tokenizer=loaded.tokenizer, device=loaded.device
    )
    call = dict(max_new_tokens=args.max_new_tokens, do_sample=False, return_full_text=False)
    generator(prompts[0], **call)  # warm-up: first-call allocations are not the loop's cost

    start = time.perf_counter()
    reference = [first_line(generator(p, **call)[0]["generated_text"]) for p in prompts]
    one_at_a_time = time.perf_counter() - start

    settings = GenerationSettings(
        max_new_tokens=args.max_new_tokens, batch_tokens=args.batch_tokens
    )
    run = generate_continuations(loaded, prompts, settings, progress=False)
    batched = run.seconds
    single = generate_continuations(
        loaded,
        prompts,
        GenerationSettings(max_new_tokens=args.max_new_tokens, max_rows=1),
        progress=False,
    )
    texts = [c.text for c in run.continuations]
    identical = sum(a == b for a, b in zip(texts, reference, strict=True))
    same_single = sum(a == b.text for a, b in zip(texts, single.continuations, strict=True))
    print(f"one at a time (pipeline per prompt): {len(prompts) / one_at_a_time:8.2f} prompts/s")
    print(
        f"batched ({run.batches} batches, budget {run.batch_tokens} tokens): "
        f"{len(prompts) / batched:8.2f} prompts/s"
    )
    print(
        f"  of which early stop alone (1 row per batch): {len(prompts) / single.seconds:8.2f} prompts/s"
    )
    print(f"speed-up batched / one at a time: {one_at_a_time / batched:.2f}x")
    print(
        f"identical continuations: {identical}/{len(prompts)} vs the pipeline, "
        f"{same_single}/{len(prompts)} vs one row per batch -> "
        + ("IDENTICAL" if identical == len(prompts) == same_single else "DIFFERENT")
    )
    for index, (a, b) in enumerate(zip(texts, reference, strict=True)):
        if a != b:
            print(f"  prompt {index}: batched {a!r} vs pipeline {b!r}")

    pool = [t for t in texts if t] or ["an empty continuation set"]
    sample = (pool * (args.classifier_texts // len(pool) + 1))[: args.classifier_texts]
    for reference_name in args.classifier or ["profanity-check"]:
        options = (
            {"config": args.classifier_config} if reference_name.startswith("detoxify") else {}
        )
        classifier = load_classifier(parse_classifier(reference_name, options=options))
        score_texts(classifier, sample[:8])
        start = time.perf_counter()
        score_texts(classifier, sample)
        seconds = time.perf_counter() - start
        print(f"classifier {classifier.info.spec}: {len(sample) / seconds:10.1f} texts/s")

    pairs = [(p, t) for p, t in zip(prompts, texts, strict=True) if t] or [(prompts[0], "empty")]
    pairs = (pairs * (args.classifier_texts // len(pairs) + 1))[: args.classifier_texts]
    for reference_name in args.guard or []:
        with tempfile.TemporaryDirectory() as scratch:
            time_guard(guard_reference(reference_name, Path(scratch)), pairs, args.guard_batch)


def guard_reference(reference: str, scratch: Path) -> str:
    """A guard: reference, building a tiny random guard for tiny:<family>."""
    if not reference.startswith("tiny:"):
        return reference
    # The tiny guards are the test suite's; this script runs from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.audit.classifiers.tiny_guards import build_tiny_guard

    family = reference.removeprefix("tiny:")
    return f"guard:{build_tiny_guard(scratch / f'tiny-{family}', family)}"


def time_guard(reference: str, pairs: list[tuple[str, str]], batch: int) -> None:
    """A guard's texts per second batched and one at a time, and how far the two differ."""
    classifier = load_classifier(parse_classifier(reference))
    prompts, texts = [p for p, _ in pairs], [t for _, t in pairs]
    score_texts(classifier, texts[:8], prompts=prompts[:8], batch_size=batch)
    start = time.perf_counter()
    batched = score_texts(classifier, texts, prompts=prompts, batch_size=batch)
    batched_seconds = time.perf_counter() - start
    start = time.perf_counter()
    alone = score_texts(classifier, texts, prompts=prompts, batch_size=1)
    alone_seconds = time.perf_counter() - start
    headline = classifier.info.headline
    difference = max(
        (
            abs(a.scores[headline] - b.scores[headline])
            for a, b in zip(batched, alone, strict=True)
            if a.scores is not None and b.scores is not None
        ),
        default=float("nan"),
    )
    family = classifier.info.details.get("family", "?")
    print(
        f"guard {family} {classifier.info.details.get('model_type', '?')}: batched (batch {batch}) "
        f"{len(texts) / batched_seconds:.1f} texts/s; one at a time "
        f"{len(texts) / alone_seconds:.1f} texts/s: {alone_seconds / batched_seconds:.2f}x; "
        f"largest difference {difference:.1e}"
    )


if __name__ == "__main__":
    main()
