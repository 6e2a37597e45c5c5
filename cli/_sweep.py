"""`toxaudit sweep`: audit a series of checkpoints of one model and print the trend.

Only flags and printing: finding the checkpoints, running the series (resuming), the
trend and the watch are `audit.sweep`. The local path is cli/_sweep_local.py; `--api`
submits through the one service client (cli/_sweep_service.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli._client import DEFAULT_API
from cli._errors import UsageError
from cli._model_options import add_lm_head_arguments, add_loading_arguments, model_spec
from cli._options import (
    add_statistics_arguments,
    add_token_argument,
    flag_message,
    positive_int,
)

if TYPE_CHECKING:
    from audit.pipeline import EvaluateOptions
    from audit.sweep import SweepCheckpoint


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "sweep",
        help="audit a series of checkpoints and print the trend",
        description="Audit every checkpoint of a training output directory (checkpoint-<N> "
        "folders), of a hub model's revisions, or of a list of local directories, then "
        "print the trend: step, average with its interval, and the biggest significant "
        "change against the previous checkpoint (significant over the whole table: a mark "
        "by chance alone appears in at most about 5%% of tables).",
    )
    p.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a training output directory, a hub id (with --revisions or --all-revisions), "
        "or several local model directories",
    )
    hub = p.add_argument_group("hub checkpoints")
    hub.add_argument("--revisions", help="comma-separated branches or tags, e.g. step1000,step2000")
    hub.add_argument(
        "--all-revisions",
        action="store_true",
        help="every branch and tag with a step in its name (listed through huggingface_hub)",
    )
    hub.add_argument("--match", help="with --all-revisions: only refs this regex finds")
    p.add_argument(
        "--step-regex",
        help="read the step from a revision or directory name with this regex (its first "
        "group); default: the name's last number",
    )
    p.add_argument("--dataset", default="sample", help="toxigen, implicithate, sample, or a file")
    p.add_argument("--limit", type=positive_int, help="score only the first N rows")
    p.add_argument("--batch-tokens", type=positive_int, help="token budget per batch")
    add_statistics_arguments(p)
    add_loading_arguments(p)
    add_lm_head_arguments(p)
    p.add_argument(
        "--output-dir",
        type=Path,
        help="local audits go to DIR/step-<N>/ (default: runs/sweep-<source>)",
    )
    p.add_argument("--store", action="store_true", help="also record each audit in the database")
    p.add_argument("--tag", action="append", default=[], help="checkpoint tag (--store, --api)")
    service = p.add_argument_group("through the service")
    service.add_argument(
        "--api",
        nargs="?",
        const=os.environ.get("TOXAUDIT_API_URL", DEFAULT_API),
        help=f"submit to the service at URL (bare --api: TOXAUDIT_API_URL or {DEFAULT_API})",
    )
    add_token_argument(service)
    service.add_argument(
        "--poll-interval", type=float, default=1.0, help="seconds between progress checks (1)"
    )
    watch = p.add_argument_group("following a run in progress")
    watch.add_argument(
        "--watch", action="store_true", help="keep polling a training directory for new checkpoints"
    )
    watch.add_argument("--interval", type=float, default=30.0, help="seconds between polls (30)")
    watch.add_argument(
        "--max-checkpoints", type=positive_int, help="stop after this many checkpoints"
    )
    watch.add_argument(
        "--until-idle", type=float, help="stop when no new checkpoint came for this many seconds"
    )
    p.set_defaults(handler=cmd_sweep)


def _revisions(args: argparse.Namespace) -> list[str]:
    return [r.strip() for r in (args.revisions or "").split(",") if r.strip()]


def _check(args: argparse.Namespace) -> None:
    from audit.sweep import is_training_dir

    hub = bool(args.revisions) or args.all_revisions
    if args.revisions is not None and not _revisions(args):
        raise UsageError("--revisions names no revision")
    if args.revisions and args.all_revisions:
        raise UsageError("--revisions and --all-revisions exclude each other")
    if args.match is not None and not args.all_revisions:
        raise UsageError("--match selects among --all-revisions")
    if hub and len(args.sources) != 1:
        raise UsageError("--revisions and --all-revisions take one hub id as SOURCE")
    if args.watch and (hub or len(args.sources) != 1):
        raise UsageError("--watch follows one training output directory")
    if args.watch and not Path(args.sources[0]).is_dir():
        raise UsageError(f"{args.sources[0]}: no such training directory to --watch")
    if args.watch and not is_training_dir(Path(args.sources[0])):
        raise UsageError(
            f"{args.sources[0]}: a model directory, not a training output directory "
            "(--watch follows its checkpoint-<step> folders)"
        )
    one_local = len(args.sources) == 1 and not hub
    if args.step_regex is not None and one_local and is_training_dir(Path(args.sources[0])):
        raise UsageError(
            "--step-regex: the steps of a training directory are its checkpoint-<step> "
            "folders' numbers; it reads steps from revision or model directory names"
        )
    if not args.watch and (args.max_checkpoints or args.until_idle is not None):
        raise UsageError("--max-checkpoints and --until-idle are --watch options")
    if args.api is not None:
        local_only = {
            "--output-dir": args.output_dir is not None,
            "--store": args.store,
            "--trust-remote-code": args.trust_remote_code,
            "--safenlp-mask-id": args.safenlp_mask_id,
            "--device": args.device != "auto",
            "--dtype": args.dtype != "auto",
        }
        given = [flag for flag, set_ in local_only.items() if set_]
        if given:
            raise UsageError(f"{', '.join(given)}: local options; the service decides these")
    if args.poll_interval <= 0:
        raise UsageError(f"--poll-interval must be positive, got {args.poll_interval}")
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must be between 0 and 1, got {args.alpha}")


def find_checkpoints(args: argparse.Namespace) -> tuple[SweepCheckpoint, ...]:
    """The series the sources name (a training directory, hub revisions, directories)."""
    from audit.sweep import (
        directory_checkpoints,
        hub_checkpoints,
        is_training_dir,
        training_checkpoints,
    )

    if args.revisions or args.all_revisions:
        return hub_checkpoints(
            args.sources[0],
            revisions=_revisions(args),
            all_revisions=args.all_revisions,
            match=args.match,
            step_pattern=args.step_regex,
        )
    paths = [Path(source) for source in args.sources]
    if len(paths) == 1 and is_training_dir(paths[0]):
        found = training_checkpoints(paths[0])
        for folder, why in found.incomplete:
            print(f"toxaudit: skipping {folder}: {why}", file=sys.stderr)
        if not found.complete:
            raise UsageError(f"{paths[0]}: no complete checkpoint yet")
        return found.complete
    if len(paths) == 1 and not paths[0].exists():
        raise UsageError(
            f"{paths[0]}: no such directory (a hub id needs --revisions or --all-revisions)"
        )
    return directory_checkpoints(paths, step_pattern=args.step_regex)


def evaluate_options(args: argparse.Namespace) -> EvaluateOptions:
    from audit.pipeline import EvaluateOptions, EvaluateOptionsError

    try:
        return EvaluateOptions(
            alpha=args.alpha,
            n_resamples=args.resamples,
            seed=args.seed,
            batch_tokens=args.batch_tokens,
            limit=args.limit,
        )
    except EvaluateOptionsError as exc:
        raise UsageError(flag_message(exc)) from exc


def cmd_sweep(args: argparse.Namespace) -> int:
    _check(args)
    # A bad source (no checkpoint folders, no weights, no step) fails before any work.
    checkpoints = None if args.watch else find_checkpoints(args)
    if args.api is not None:
        from cli._sweep_service import sweep_through_service

        return sweep_through_service(args, checkpoints)
    from cli._sweep_local import sweep_locally

    return sweep_locally(args, checkpoints, evaluate_options(args), model_spec(args, reference=""))
