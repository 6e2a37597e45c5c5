"""`toxaudit perplexity`: sentence perplexities in the SafeNLP perplexities format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli._model_options import add_lm_head_arguments, add_model_arguments, load_model
from cli._options import positive_int


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "perplexity",
        help="score sentence perplexities (SafeNLP perplexities format)",
        description="Write the input records, each with a `perplexity` field, in input order.",
    )
    add_model_arguments(p)
    add_lm_head_arguments(p)
    p.add_argument(
        "--dataset",
        default="sample",
        help="toxigen, implicithate, sample, or a JSON/JSONL/CSV file",
    )
    p.add_argument("--output", required=True, type=Path, help="output file (.json, .jsonl, .csv)")
    p.add_argument("--limit", type=positive_int, help="score only the first N rows")
    p.add_argument(
        "--batch-tokens", type=positive_int, help="token budget per batch (auto by device)"
    )
    p.set_defaults(handler=cmd_perplexity)


def cmd_perplexity(args: argparse.Namespace) -> int:
    from audit.datasets import detect_format, load_dataset
    from audit.pipeline import limit_dataset, score_sentences
    from audit.results import write_perplexities

    detect_format(args.output)
    dataset = limit_dataset(load_dataset(args.dataset), args.limit)
    loaded = load_model(args)
    rows, run = score_sentences(loaded, dataset.sentences, batch_tokens=args.batch_tokens)
    write_perplexities(args.output, rows)
    unscored = sum(1 for r in rows if r.perplexity is None)
    print(
        f"wrote {len(rows)} records to {args.output} ({len(rows) / run.seconds:.1f} sentences/s"
        + (f"; {unscored} unscored, see their unscored_reason" if unscored else "")
        + ")",
        file=sys.stderr,
    )
    return 0
