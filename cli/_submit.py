"""`toxaudit submit`: submit an audit to the service and, with --wait, follow it."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from cli._client import DEFAULT_API, audit_request
from cli._errors import UsageError
from cli._follow import TIMEOUT_SECONDS, follow_audits
from cli._options import add_seed_argument, add_token_argument, positive_int

if TYPE_CHECKING:
    from cli._client import ServiceClient


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "submit",
        help="submit an audit to the service",
        description="Submit an audit over HTTP and print its id; with --wait, show its "
        "progress and print the group table when it ends.",
    )
    p.add_argument("--model", required=True, help="hub id, alias, or a path under the roots")
    p.add_argument("--revision", help="hub branch, tag or commit")
    p.add_argument("--label", help="checkpoint label (default: the model)")
    p.add_argument("--step", type=int, help="training step of the checkpoint")
    p.add_argument("--tag", action="append", default=[], help="checkpoint tag (repeatable)")
    p.add_argument("--dataset", default="sample", help="sample, toxigen, or a file on the server")
    p.add_argument("--alpha", type=float, help="significance level (0.05)")
    p.add_argument("--resamples", type=positive_int, help="bootstrap resamples (1000)")
    add_seed_argument(p, default=None)
    p.add_argument("--limit", type=positive_int, help="score only the first N rows")
    p.add_argument("--batch-tokens", type=positive_int, help="token budget per batch")
    p.add_argument(
        "--lm-head",
        choices=["auto", "clm", "mlm"],
        help="clm: perplexity; mlm: pseudo-perplexity of a masked LM; auto (default): by config",
    )
    p.add_argument("--chunk-size", type=positive_int, help="rows per worker task")
    p.add_argument(
        "--api",
        default=os.environ.get("TOXAUDIT_API_URL", DEFAULT_API),
        help=f"service URL (TOXAUDIT_API_URL, default {DEFAULT_API})",
    )
    add_token_argument(p)
    p.add_argument("--wait", action="store_true", help="follow the audit and print its table")
    p.add_argument(
        "--poll-interval", type=float, default=1.0, help="seconds between progress checks (1)"
    )
    p.set_defaults(handler=cmd_submit)


def _request_body(args: argparse.Namespace) -> dict[str, Any]:
    return audit_request(args, args.model, label=args.label, revision=args.revision, step=args.step)


def cmd_submit(args: argparse.Namespace) -> int:
    from cli._client import open_client

    if args.poll_interval <= 0:
        raise UsageError(f"--poll-interval must be positive, got {args.poll_interval}")
    # A ServiceError leaves through the CLI's main error handler: one line, exit 2.
    with open_client(args.api, token=args.token, timeout=TIMEOUT_SECONDS) as client:
        audit = client.submit(
            audit_request(
                args, args.model, label=args.label, revision=args.revision, step=args.step
            )
        )
        print(audit["id"])
        print(
            f"toxaudit: audit {audit['id']} {audit['status']}"
            + (f" (reusing audit {audit['reused_from_id']})" if audit.get("reused") else ""),
            file=sys.stderr,
        )
        if not args.wait:
            return 0
        (audit,) = follow_audits(client, [audit], args.poll_interval, desc=f"audit {audit['id']}")
        return _report(client, audit)


def _report(client: ServiceClient, audit: dict[str, Any]) -> int:
    from audit.results import format_scores_table
    from audit.scoring import SafetyScores

    if audit["status"] != "succeeded":
        cause = audit.get("error") or "no cause recorded"
        print(f"toxaudit: audit {audit['id']} {audit['status']}: {cause}", file=sys.stderr)
        return 1
    results = client.results(audit["id"])
    print(format_scores_table(SafetyScores.from_dict(results["scores"])))
    return 0
