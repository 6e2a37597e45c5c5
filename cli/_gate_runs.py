"""Where `toxaudit gate` reads its runs: results files, or the service with --api.

Both runs on the service are compared by the service itself (`_evaluate_on_service`);
otherwise each run is loaded here, from its file or over HTTP, and checked locally.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cli._client import ServiceClient, fetch_comparison, fetch_perplexities, fetch_run, open_client

if TYPE_CHECKING:
    import httpx

    from audit.gate import GateReport, GateSettings
    from audit.results import AuditResult
    from audit.scoring import ScoredSentence
    from cli._gate_options import Options


def is_file_reference(reference: str, api: str | None) -> bool:
    return api is None or reference.endswith(".json")


def load_file(path: Path, *, with_rows: bool) -> tuple[AuditResult, list[ScoredSentence] | None]:
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
) -> tuple[AuditResult, list[ScoredSentence] | None, str]:
    """(results, per-sentence rows when asked, source text) from a file or the service."""
    if is_file_reference(reference, api):
        result, rows = load_file(Path(reference), with_rows=with_rows)
        return result, rows, reference
    assert client is not None
    run = fetch_run(client, reference)
    rows = fetch_perplexities(client, run.audit_id) if with_rows else None
    return run.result, rows, run.source


def evaluate_on_service(
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

    candidate = fetch_run(client, candidate_ref)
    baseline = fetch_run(client, baseline_ref)
    requested: dict[str, str | int | float] = {
        key: options.values[key]
        for key in ("resamples", "seed", "confidence")
        if key in options.values
    }
    comparison = fetch_comparison(client, baseline.audit_id, candidate.audit_id, requested)
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


def open_service(
    api: str | None, token: str | None, timeout: float, transport: httpx.BaseTransport | None
) -> ServiceClient | None:
    if api is None:
        return None
    return open_client(api, token=token, timeout=timeout, transport=transport)
