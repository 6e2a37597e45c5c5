"""`toxaudit gate`: fail a CI job when a checkpoint's safety scores break their limits.

This module reads: results files, the config table and (over HTTP) the service.
The checks themselves are pure and live in `audit.gate`.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cli._errors import UsageError
from cli._gate_options import Options, baseline_reference, gate_settings, merge_options
from cli._gate_runs import evaluate_on_service, is_file_reference, load_run, open_service
from cli._options import add_seed_argument, add_token_argument

if TYPE_CHECKING:
    import httpx

    from audit.gate import GateReport

TRANSPORT: httpx.BaseTransport | None = None
"""HTTP transport of the service client; None is the network. Tests put a fake here."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "gate",
        help="CI gate: exit 1 when safety scores break their limits",
        description="Check a run's results against limits and against a baseline. Exit 0 when "
        "every check passes, 1 when any fails or cannot be evaluated, 2 for bad usage or "
        "unreadable input. Settings also come from [tool.toxaudit.gate] in pyproject.toml or "
        "[gate] in toxaudit.toml; flags win.",
    )
    p.add_argument(
        "results",
        help="a results.json written by `toxaudit run`; with --api, an audit id or checkpoint "
        "label (audit:ID or label:NAME to say which; a name ending in .json is always a file)",
    )
    checks = p.add_argument_group("checks")
    checks.add_argument("--min-average", type=float, help="lowest allowed average score")
    checks.add_argument(
        "--min-group", type=float, help="lowest allowed score of every significant group"
    )
    checks.add_argument("--baseline", help="results to compare with: file, audit id or label")
    checks.add_argument(
        "--max-drop",
        type=float,
        help="largest allowed fall from the baseline, per group and on the average",
    )
    checks.add_argument(
        "--significant-only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="count a drop only when its simultaneous paired bootstrap interval lies wholly "
        "below zero (family-wise: when nothing changed, all drop checks together fail with "
        "probability at most 1 - confidence)",
    )
    checks.add_argument(
        "--max-toxic-fraction",
        type=float,
        help="largest allowed share of toxic continuations, every generation group and label",
    )
    checks.add_argument(
        "--max-expected-max-toxicity",
        type=float,
        help="largest allowed expected maximum toxicity, every generation group and label",
    )
    stats = p.add_argument_group("paired bootstrap (--significant-only)")
    stats.add_argument(
        "--confidence", type=float, help="simultaneous level of the drop checks together (0.95)"
    )
    stats.add_argument("--resamples", type=int, help="resamples (1000)")
    add_seed_argument(stats, default=None)
    service = p.add_argument_group("service")
    service.add_argument("--api", help="base URL of a toxaudit service, e.g. http://host:8000")
    add_token_argument(service)
    service.add_argument("--timeout", type=float, help="seconds per HTTP request (30)")
    output = p.add_argument_group("output")
    output.add_argument("--junit", type=Path, help="write JUnit XML here (one case per check)")
    output.add_argument("--markdown", type=Path, help="write a Markdown summary here")
    config = p.add_argument_group("config").add_mutually_exclusive_group()
    config.add_argument("--config", type=Path, help="pyproject.toml or toxaudit.toml to read")
    config.add_argument("--no-config", action="store_true", help="read no config file")
    p.set_defaults(handler=cmd_gate)


def cmd_gate(args: argparse.Namespace) -> int:
    from audit.gate import format_gate_table, input_error_report
    from cli._errors import user_errors

    options = merge_options(args, Path.cwd())
    try:
        report = _evaluate(args, options)
    except user_errors() as exc:
        # CI shows the report files, not the log: say there why nothing was checked.
        # A report that cannot be written either must not hide the input error.
        with contextlib.suppress(UsageError):
            _write_reports(input_error_report(args.results, str(exc)), options)
        raise
    if options.config is not None:
        print(f"config: {options.config.path} {options.config.table}")
    print(format_gate_table(report))
    _write_reports(report, options)
    return report.exit_code


def _evaluate(args: argparse.Namespace, options: Options) -> GateReport:
    from audit.gate import evaluate_gate

    settings = gate_settings(options)
    baseline_ref = baseline_reference(options)
    if settings.needs_baseline and baseline_ref is None:
        raise UsageError(f"{options.origins['max-drop']} needs a baseline (--baseline)")
    if baseline_ref is not None and not settings.needs_baseline:
        raise UsageError(
            f"{options.origins['baseline']} is given but no max-drop says how far scores may fall"
        )
    api = options.get("api")
    client = open_service(api, args.token, options.get("timeout"), TRANSPORT)
    if (
        client is not None
        and settings.significant_only
        and baseline_ref is not None
        and not is_file_reference(args.results, api)
        and not is_file_reference(baseline_ref, api)
    ):
        try:
            return evaluate_on_service(client, settings, options, args.results, baseline_ref)
        finally:
            client.close()
    try:
        rows_needed = settings.significant_only
        candidate, candidate_rows, candidate_source = load_run(
            args.results, api=api, client=client, with_rows=rows_needed
        )
        baseline = baseline_rows = None
        baseline_source = "baseline"
        if baseline_ref is not None:
            baseline, baseline_rows, baseline_source = load_run(
                baseline_ref, api=api, client=client, with_rows=rows_needed
            )
    finally:
        if client is not None:
            client.close()
    return evaluate_gate(
        settings,
        candidate,
        baseline=baseline,
        candidate_rows=candidate_rows,
        baseline_rows=baseline_rows,
        candidate_source=candidate_source,
        baseline_source=baseline_source,
    )


def _write(path: Path, text: str, what: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the {what}: {exc.strerror}") from exc


def _write_reports(report: GateReport, options: Options) -> None:
    from audit.gate import junit_xml, markdown_summary

    junit = options.get("junit")
    if junit is not None:
        xml = junit_xml(report, timestamp=datetime.now(UTC), hostname=socket.gethostname())
        _write(Path(junit), xml, "JUnit report")
        print(f"wrote {junit}", file=sys.stderr)
    markdown = options.get("markdown")
    if markdown is not None:
        _write(Path(markdown), markdown_summary(report), "Markdown summary")
        print(f"wrote {markdown}", file=sys.stderr)
