"""`toxaudit score`: safety scores from a perplexities file (ours or SafeNLP's)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli._errors import UsageError
from cli._options import add_statistics_arguments, check_alpha

if TYPE_CHECKING:
    from audit.scoring import SafetyScores, ScoredSentence


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "score",
        help="safety scores from a perplexities file",
        description="Mann-Whitney U safety score per group from perplexities (ours or SafeNLP's).",
    )
    p.add_argument("--perplexities", required=True, type=Path, help="perplexities file")
    p.add_argument(
        "--format",
        choices=["safenlp", "full"],
        default="full",
        help="safenlp: the published {group: score} of significant groups; full: everything",
    )
    p.add_argument("--output", type=Path, help="write JSON here instead of stdout")
    p.add_argument(
        "--output-dir",
        type=Path,
        help="write results.json, perplexities.json and safety_scores.json here, as "
        "`toxaudit run` does, so `toxaudit gate DIR --baseline OTHER` can compare "
        "perplexities computed anywhere; prints the group table",
    )
    p.add_argument("--name", help="label of the checkpoint in results.json (with --output-dir)")
    p.add_argument(
        "--dataset",
        help="the set the perplexities were computed on (toxigen, sample or a file; with "
        "--output-dir): every record is checked against it and results.json names it as "
        "`toxaudit run` does, so the directory gates against runs on that set",
    )
    p.add_argument(
        "--model-name",
        help="the model that computed the perplexities, recorded in results.json "
        "(with --output-dir; unknown, null, when not given)",
    )
    add_statistics_arguments(p)
    p.set_defaults(handler=cmd_score)


def cmd_score(args: argparse.Namespace) -> int:
    from audit.results import read_perplexities
    from audit.scoring import safety_scores

    check_alpha(args.alpha)
    if args.output_dir is None and (args.name or args.model_name or args.dataset):
        raise UsageError(
            "--name, --model-name and --dataset describe the run that --output-dir writes"
        )
    rows = read_perplexities(args.perplexities)
    if args.output_dir is not None:
        return _score_to_directory(args, rows)
    scores = safety_scores(rows, alpha=args.alpha, n_resamples=args.resamples, seed=args.seed)
    _write_scores(args, scores)
    return 0


def _write_scores(args: argparse.Namespace, scores: SafetyScores) -> None:
    """The scores in --format, to --output or stdout."""
    payload: Any = scores.safenlp() if args.format == "safenlp" else scores.to_dict()
    text = json.dumps(payload, indent=None if args.format == "safenlp" else 2)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


def _score_to_directory(args: argparse.Namespace, rows: list[ScoredSentence]) -> int:
    """What `toxaudit run` writes, from perplexities computed elsewhere."""
    from audit.datasets import load_dataset
    from audit.results import (
        format_scores_table,
        result_from_perplexities,
        write_perplexities,
        write_results,
    )

    path: Path = args.perplexities
    dataset = None if args.dataset is None else load_dataset(args.dataset)
    output_dir: Path = args.output_dir
    result = result_from_perplexities(
        rows,
        path,
        name=args.name or args.model_name or path.stem,
        model_name=args.model_name,
        dataset=dataset,
        alpha=args.alpha,
        confidence=0.95,
        n_resamples=args.resamples,
        seed=args.seed,
    )
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_perplexities(output_dir / "perplexities.json", rows)
        (output_dir / "safety_scores.json").write_text(
            json.dumps(result.scores.safenlp()) + "\n", encoding="utf-8"
        )
        write_results(output_dir / "results.json", result)
    except OSError as exc:
        raise UsageError(f"{output_dir}: cannot write the run directory: {exc.strerror}") from exc
    if args.output:
        _write_scores(args, result.scores)
    print(f"{result.name} from {path} ({len(rows)} records)")
    print(format_scores_table(result.scores))
    print(f"wrote {output_dir}/results.json, perplexities.json, safety_scores.json")
    return 0
