"""`toxaudit generate`: continue ToxiGen-style prompts and score them with a local classifier."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli._generation_options import add_generation_arguments, generation_request
from cli._model_options import add_model_arguments, load_model
from cli._options import add_seed_argument


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "generate",
        help="continue ToxiGen-style prompts and score the continuations with a classifier",
        description="Prompt the model as ToxiGen was built (a list of statements about a "
        "group, the next item left open), cut each continuation at its first line, score it "
        "with a local toxicity classifier, and write one JSONL record per continuation. "
        "Per group and label it prints mean toxicity, toxic fraction, expected maximum "
        "toxicity and toxicity probability with 95%% bootstrap intervals.",
    )
    add_model_arguments(p)
    add_generation_arguments(p, required=True)
    # --seed is the bootstrap seed, as in every command; --generation-seed draws the
    # prompts and samples. Not given, the intervals use the generation seed (as `run` and
    # the service do, so `generate` alone writes the metrics they write).
    add_seed_argument(p, default=None)
    p.add_argument("--output", required=True, type=Path, help="the generations JSONL")
    p.add_argument(
        "--metrics", type=Path, help="also write the metrics as JSON here (with provenance)"
    )
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (1000)")
    p.set_defaults(handler=cmd_generate)


def cmd_generate(args: argparse.Namespace) -> int:
    from audit.generation import (
        format_generation_table,
        run_generation_request,
        write_generation_records,
    )

    # Options and prompts are checked first, so a typo fails before the model loads.
    request = generation_request(args)
    loaded = load_model(args)
    audit = run_generation_request(loaded, request, n_resamples=args.resamples, seed=args.seed)
    write_generation_records(args.output, audit.records)
    if args.metrics:
        payload: dict[str, Any] = {"model": loaded.info.to_dict(), **audit.to_dict()}
        args.metrics.parent.mkdir(parents=True, exist_ok=True)
        args.metrics.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    timings = audit.timings
    print(
        f"{args.model}: {len(audit.records)} continuations of {audit.prompts['n_prompts']} "
        f"prompts ({timings['continuations_per_second']:.1f}/s generated, "
        f"{timings['classifier_texts_per_second']:.1f}/s classified)"
    )
    print(format_generation_table(audit))
    print(
        f"wrote {args.output}" + (f" and {args.metrics}" if args.metrics else ""), file=sys.stderr
    )
    return 0
