"""`toxaudit run`: perplexities, safety scores and a results.json in one go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli._errors import UsageError
from cli._generation_options import add_generation_arguments, generation_options
from cli._model_options import add_lm_head_arguments, add_model_arguments, model_spec
from cli._options import add_statistics_arguments, check_alpha, flag_message, positive_int
from cli._trackers import add_tracker_arguments

if TYPE_CHECKING:
    from audit.generation import GenerationAudit
    from audit.pipeline import EvaluateOptions


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "run",
        help="perplexities, safety scores and a results.json in one go",
        description="Audit one checkpoint: print the group table and write perplexities.json, "
        "safety_scores.json and results.json.",
    )
    add_model_arguments(p)
    add_lm_head_arguments(p)
    p.add_argument(
        "--dataset",
        default="sample",
        help="toxigen, implicithate, sample, or a JSON/JSONL/CSV file",
    )
    p.add_argument("--name", help="label for this checkpoint (default: the model)")
    p.add_argument("--output-dir", type=Path, help="default: runs/<name>")
    p.add_argument("--limit", type=positive_int, help="score only the first N rows")
    p.add_argument(
        "--batch-tokens", type=positive_int, help="token budget per batch (auto by device)"
    )
    p.add_argument(
        "--store",
        action="store_true",
        help="also record the audit in the results database (TOXAUDIT_DATABASE_URL, "
        "SQLite by default) so `toxaudit serve` shows it",
    )
    p.add_argument(
        "--step",
        type=int,
        help="training step of this checkpoint (with --store, --mlflow, --wandb)",
    )
    p.add_argument("--tag", action="append", default=[], help="checkpoint tag (with --store)")
    add_statistics_arguments(p)
    add_run_generation_arguments(p)
    add_tracker_arguments(p)
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Parse, call audit.pipeline.run_evaluation, print, and store or track if asked."""
    from audit.pipeline import EvaluateOptionsError, folder_name, run_evaluation
    from audit.results import format_scores_table
    from cli._trackers import check_trackers

    check_alpha(args.alpha)
    check_trackers(args)
    name = args.name or args.model
    output_dir: Path = args.output_dir or Path("runs") / folder_name(name)
    if args.generation and args.lm_head == "mlm":
        raise UsageError("--generation needs a causal LM; --lm-head mlm scores a masked LM")
    try:
        options: EvaluateOptions = run_options(args)
        evaluation = run_evaluation(
            model_spec(args), args.dataset, options, name=name, output_dir=output_dir
        )
    except EvaluateOptionsError as exc:
        raise UsageError(flag_message(exc)) from exc
    result, rows, dataset = evaluation.result, evaluation.rows, evaluation.dataset
    print(
        f"{name} on {dataset.name} ({len(rows)} sentences, {evaluation.loaded.info.device}, "
        f"{result.timings['sentences_per_second']:.1f} sentences/s)"
    )
    print(format_scores_table(result.scores))
    if evaluation.report:
        print(evaluation.report)
    print(f"wrote {output_dir}/results.json, perplexities.json, safety_scores.json")
    if args.store:
        _store(
            args, result, rows, dataset, options.audit_options(), generation=evaluation.generation
        )
    if args.mlflow or args.wandb:
        _track(args, output_dir)
    return 0


def _track(args: argparse.Namespace, output_dir: Path) -> None:
    """Write report.html beside results.json and log both to the trackers asked for."""
    from cli._trackers import log_to_trackers
    from reports import load_report, write_html

    report = load_report(output_dir, step=args.step)
    write_html(report, output_dir / "report.html")
    print(f"wrote {output_dir}/report.html", file=sys.stderr)
    artifacts = [output_dir / "results.json", output_dir / "report.html"]
    log_to_trackers(args, report.run.result, step=args.step, artifacts=artifacts)


def _store(
    args: argparse.Namespace,
    result: Any,
    rows: Any,
    dataset: Any,
    options: Any,
    *,
    generation: GenerationAudit | None = None,
) -> None:
    """Record the finished run in the results database, as the service would."""
    from dataclasses import asdict

    from db import get_database_settings, record_local_run, session_scope, upgrade_database

    url = get_database_settings().database_url
    upgrade_database(url)
    settings = {
        **asdict(options),
        "device": args.device,
        "dtype": args.dtype,
        "trust_remote_code": args.trust_remote_code,
        "lm_head": args.lm_head,
        "safenlp_mask_id": args.safenlp_mask_id,
    }
    with session_scope() as session:
        audit, reused = record_local_run(
            session,
            result=result,
            rows=rows,
            dataset=dataset,
            settings=settings,
            step=args.step,
            tags=args.tag,
            generation=generation,
        )
        audit_id, original = audit.id, audit.reused_from_id
    what = f"identical to stored audit {original}, recorded as" if reused else "stored as"
    print(f"{what} audit {audit_id} in {url}; `toxaudit serve` shows it at http://127.0.0.1:8000/")


def add_run_generation_arguments(parser: argparse.ArgumentParser) -> None:
    """The `toxaudit run` options that add classifier-based sections to results.json."""
    parser.add_argument(
        "--generation",
        action="store_true",
        help="after the safety score, run the generation audit (needs --prompts and "
        "--classifier) and add a `generation` section to results.json",
    )
    parser.add_argument(
        "--classifier-weighted",
        action="store_true",
        help="also compute the safety score with toxicity_score = 1 + 4 * p_toxic from "
        "--classifier in place of the annotated toxicity; a data set without toxicity_score "
        "gets it filled in this way, and its safety score is then this one",
    )
    add_generation_arguments(parser, required=False)


def run_options(args: argparse.Namespace) -> EvaluateOptions:
    """`toxaudit run`'s flags as the library's options (checked by audit.evaluate)."""
    from audit.pipeline import ClassifierWeightedOptions, EvaluateOptions

    weighted = None
    if args.classifier_weighted:
        if not args.classifier:
            raise UsageError("--classifier-weighted needs --classifier")
        if len(args.classifier) > 1:
            raise UsageError(
                "--classifier-weighted takes one --classifier, got " + ", ".join(args.classifier)
            )
        weighted = ClassifierWeightedOptions(
            classifier=args.classifier[0],
            classifier_batch=args.classifier_batch,
            classifier_config=args.classifier_config,
            classifier_labels=args.classifier_labels,
            toxic_label=args.toxic_label,
            classifier_device=args.classifier_device,
            guard_policy=args.guard_policy,
            guard_family=args.guard_family,
        )
    return EvaluateOptions(
        alpha=args.alpha,
        n_resamples=args.resamples,
        seed=args.seed,
        batch_tokens=args.batch_tokens,
        limit=args.limit,
        generation=generation_options(args) if args.generation else None,
        classifier_weighted=weighted,
        classifier_allow_pickle=args.classifier_allow_pickle,
    )
