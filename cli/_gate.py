"""`toxaudit gate`: fail a CI job when a checkpoint's safety scores break their limits.

This module reads: results files, the config table and (over HTTP) the service.
The checks themselves are pure and live in `audit.gate`.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli._errors import UsageError
from cli._gate_config import ConfigTable, find_config, read_config
from cli._options import add_seed_argument, add_token_argument

if TYPE_CHECKING:
    import httpx

    from audit.gate import GateReport, GateSettings
    from audit.results import RunResult
    from audit.scoring import ScoredSentence
    from cli._client import ServiceClient

# Settings the config table can hold, as argparse destinations (flags use dashes).
SETTING_KEYS = (
    "min-average",
    "min-group",
    "max-drop",
    "significant-only",
    "max-toxic-fraction",
    "max-expected-max-toxicity",
    "confidence",
    "resamples",
    "seed",
)
OTHER_KEYS = ("baseline", "api", "junit", "markdown", "timeout")
DEFAULTS: dict[str, Any] = {"timeout": 30.0}

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


@dataclass(frozen=True, slots=True)
class Options:
    """Flags merged over the config table, each value with where it came from."""

    values: dict[str, Any]
    """Key (dashed, as in the config) -> value."""
    origins: dict[str, str]
    """Key -> "--flag" or "FILE: [table] key"."""
    config: ConfigTable | None
    """The config table read, if any."""

    def get(self, key: str) -> Any:
        return self.values.get(key, DEFAULTS.get(key))


def merge_options(args: argparse.Namespace, cwd: Path) -> Options:
    """Config table first, then every flag given on the command line over it."""
    if args.no_config:
        config = None
    elif args.config is not None:
        config = read_config(args.config, required=True)
    else:
        config = find_config(cwd)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if config is not None:
        for key, value in config.values.items():
            values[key] = value
            origins[key] = config.origin(key)
    for key in (*SETTING_KEYS, *OTHER_KEYS):
        value = getattr(args, key.replace("-", "_"))
        if value is not None:
            values[key] = str(value) if isinstance(value, Path) else value
            origins[key] = f"--{key}"
    return Options(values, origins, config)


def gate_settings(options: Options) -> GateSettings:
    """The validated thresholds; an out-of-range value names the flag or file it came from."""
    from audit.gate import GateSettings, GateSettingsError

    kwargs = {
        key.replace("-", "_"): options.values[key] for key in SETTING_KEYS if key in options.values
    }
    try:
        return GateSettings(**kwargs)
    except GateSettingsError as exc:
        key = exc.field.replace("_", "-")
        raise UsageError(f"{options.origins.get(key, '--' + key)}: {exc.message}") from exc


def is_file_reference(reference: str, api: str | None) -> bool:
    return api is None or reference.endswith(".json")


def load_file(path: Path, *, with_rows: bool) -> tuple[RunResult, list[ScoredSentence] | None]:
    from audit.gate import GateInputError
    from audit.results import read_perplexities, read_results

    if path.is_dir():
        # A run directory as `toxaudit run --output-dir` leaves it.
        path = path / "results.json"
    try:
        result = read_results(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
        raise GateInputError(f"{path}: cannot read: {reason}") from exc
    if not with_rows:
        return result, None
    if result.perplexities_file is None:
        raise GateInputError(
            f"{path}: no perplexities_file, and --significant-only needs per-sentence perplexities"
        )
    return result, read_perplexities(path.parent / result.perplexities_file)


def load_run(
    reference: str,
    *,
    api: str | None,
    client: ServiceClient | None,
    with_rows: bool,
) -> tuple[RunResult, list[ScoredSentence] | None, str]:
    """(results, per-sentence rows when asked, source text) from a file or the service."""
    if is_file_reference(reference, api):
        result, rows = load_file(Path(reference), with_rows=with_rows)
        return result, rows, reference
    assert client is not None
    run = client.fetch(reference)
    rows = client.perplexities(run.audit_id) if with_rows else None
    return run.result, rows, run.source


def _baseline_reference(options: Options) -> str | None:
    baseline = options.get("baseline")
    # A file named in a config table is relative to that file, like its other paths.
    if (
        baseline is not None
        and options.origins["baseline"] != "--baseline"
        and is_file_reference(baseline, options.get("api"))
        and options.config is not None
    ):
        return str(options.config.path.parent / baseline)
    return baseline  # type: ignore[no-any-return]


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
    baseline_ref = _baseline_reference(options)
    if settings.needs_baseline and baseline_ref is None:
        raise UsageError(f"{options.origins['max-drop']} needs a baseline (--baseline)")
    if baseline_ref is not None and not settings.needs_baseline:
        raise UsageError(
            f"{options.origins['baseline']} is given but no max-drop says how far scores may fall"
        )
    api = options.get("api")
    client = _client(api, args.token, options.get("timeout"), TRANSPORT)
    if (
        client is not None
        and settings.significant_only
        and baseline_ref is not None
        and not is_file_reference(args.results, api)
        and not is_file_reference(baseline_ref, api)
    ):
        try:
            return _evaluate_on_service(client, settings, options, args.results, baseline_ref)
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


def _evaluate_on_service(
    client: ServiceClient,
    settings: GateSettings,
    options: Options,
    candidate_ref: str,
    baseline_ref: str,
) -> GateReport:
    """Both runs on the service: the drops are the service's own comparison of the pair
    (what /api/compare and the dashboards show), not a local recomputation. The bootstrap
    settings are the baseline audit's unless --resamples/--seed/--confidence (or the
    config table) name others; the report states the ones used."""
    from dataclasses import replace

    from audit.gate import evaluate_gate

    candidate = client.fetch(candidate_ref)
    baseline = client.fetch(baseline_ref)
    requested: dict[str, str | int | float] = {
        key: options.values[key]
        for key in ("resamples", "seed", "confidence")
        if key in options.values
    }
    comparison = client.comparison(baseline.audit_id, candidate.audit_id, requested)
    used = replace(
        settings,
        resamples=comparison.resamples,
        seed=comparison.seed,
        confidence=comparison.confidence,
    )
    return evaluate_gate(
        used,
        candidate.result,
        baseline=baseline.result,
        candidate_source=candidate.source,
        baseline_source=baseline.source,
        differences=comparison.differences,
    )


def _client(
    api: str | None, token: str | None, timeout: float, transport: httpx.BaseTransport | None
) -> ServiceClient | None:
    if api is None:
        return None
    from cli._client import open_client

    return open_client(api, token=token, timeout=timeout, transport=transport)


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
