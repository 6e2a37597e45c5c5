"""Reading runs for a report and comparing them with the gate's paired rule."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from audit.gate import GateInputError, check_comparable
from audit.results import ResultsError, read_perplexities, read_results
from audit.scoring import paired_differences
from reports._records import BaselineComparison, Report, ReportError, ReportRun


def load_run(path: Path, *, with_rows: bool, step: int | None = None) -> ReportRun:
    """A results.json, or a run directory as `toxaudit run --output-dir` writes it.

    With `with_rows`, the per-sentence perplexities named by its `perplexities_file`
    are read too (a comparison needs them).
    """
    results_path = path / "results.json" if path.is_dir() else path
    try:
        result = read_results(results_path)
    except OSError as exc:
        raise ReportError(f"{results_path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ReportError(f"{results_path}: not UTF-8 text ({exc.reason})") from exc
    rows = None
    if with_rows:
        if not result.perplexities_file:
            raise ReportError(
                f"{results_path}: field 'perplexities_file' is empty, and a comparison with a "
                "baseline needs each run's per-sentence perplexities"
            )
        rows_path = results_path.parent / result.perplexities_file
        if not rows_path.exists():
            raise ReportError(
                f"{results_path}: its perplexities_file {str(rows_path)!r} does not exist; "
                "a comparison with a baseline needs it"
            )
        rows = tuple(read_perplexities(rows_path))
    return ReportRun(result, rows, str(results_path), step)


def compare(run: ReportRun, baseline: ReportRun) -> BaselineComparison:
    """`run` minus `baseline` per group, paired over the sentences both scored.

    The bootstrap uses the run's own settings (confidence, resamples, seed), so the
    report agrees with `toxaudit gate --significant-only` on the same files.
    """
    if run.rows is None or baseline.rows is None:
        missing = run if run.rows is None else baseline
        raise ReportError(f"{missing.source}: per-sentence perplexities were not loaded")
    try:
        check_comparable(baseline.result, run.result, paired=True)
    except GateInputError as exc:
        raise ReportError(f"{run.source} against {baseline.source}: {exc}") from exc
    settings = run.result.settings
    differences = paired_differences(
        baseline.rows,
        run.rows,
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        seed=settings.seed,
    )
    scored = {r.sentence.id for r in run.rows if r.perplexity is not None}
    shared = sum(1 for r in baseline.rows if r.perplexity is not None and r.sentence.id in scored)
    return BaselineComparison(baseline, tuple(differences), shared)


def build_report(run: ReportRun, baselines: Sequence[ReportRun] = ()) -> Report:
    """The report of `run`, with one comparison per baseline."""
    return Report(run, tuple(compare(run, b) for b in baselines))


def load_report(
    results: Path, baselines: Sequence[Path] = (), *, step: int | None = None
) -> Report:
    """Read the run and its baselines from files and compare them."""
    try:
        run = load_run(results, with_rows=bool(baselines), step=step)
        others = [load_run(b, with_rows=True) for b in baselines]
    except ResultsError as exc:
        raise ReportError(str(exc)) from exc
    return build_report(run, others)
