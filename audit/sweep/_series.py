"""Auditing a series of checkpoints locally: one `audit.evaluate` each, one model load
each, in one process; a checkpoint already audited with the same settings is skipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from audit.datasets import Dataset, load_dataset
from audit.models import ModelLoadError, ModelSpec
from audit.pipeline import (
    EvaluateOptions,
    EvaluateOptionsError,
    Evaluation,
    folder_name,
    run_evaluation,
    settings_for,
    settings_hash,
    settings_of,
)
from audit.results import AuditResult, ResultsError, read_results
from audit.sweep._sources import SweepCheckpoint


@dataclass(frozen=True, slots=True)
class SweepAudit:
    """One checkpoint's audit in a series: its result, or why it has none."""

    checkpoint: SweepCheckpoint
    """The checkpoint."""
    output_dir: Path
    """Where its results.json and perplexities.json are."""
    result: AuditResult | None
    """Its results.json; None when it failed."""
    skipped: bool = False
    """True: audited before with the same settings, read back rather than run again."""
    error: str | None = None
    """Why it failed (the model would not load, say)."""


AuditCallback = Callable[[SweepAudit, Evaluation | None], None]
"""Called after each checkpoint, with the evaluation when it ran (None when skipped or
failed): `toxaudit sweep` prints and stores from it."""


def checkpoint_output_dir(output_root: Path, checkpoint: SweepCheckpoint) -> Path:
    """`step-<N>` under the series' directory, or the checkpoint's name without a step."""
    if checkpoint.step is not None:
        return output_root / f"step-{checkpoint.step}"
    return output_root / folder_name(checkpoint.name)


def checkpoint_spec(loading: ModelSpec, checkpoint: SweepCheckpoint) -> ModelSpec:
    """The loading options of the series applied to one checkpoint."""
    return replace(loading, reference=checkpoint.reference, revision=checkpoint.revision)


def previous_audit(
    directory: Path, spec: ModelSpec, dataset: Dataset, options: EvaluateOptions
) -> AuditResult | None:
    """The results.json in `directory` when it audited this checkpoint on this data set
    with the same settings (the database's reuse key), else None."""
    results = directory / "results.json"
    if not results.exists() or not (directory / "perplexities.json").exists():
        return None
    try:
        result = read_results(results)
    except ResultsError:
        return None
    recorded_spec = result.model.get("spec", {})
    if (
        result.dataset.sha256 != dataset.sha256
        or recorded_spec.get("reference") != spec.reference
        or recorded_spec.get("revision") != spec.revision
    ):
        return None
    wanted = settings_for(options.audit_options(), spec)
    if wanted["batch_tokens"] is None:
        # No budget asked for: the one picked for the device is as good as any.
        wanted["batch_tokens"] = result.settings.batch_tokens
    return result if settings_hash(settings_of(result)) == settings_hash(wanted) else None


def run_series(
    checkpoints: Sequence[SweepCheckpoint],
    dataset: str | Path | Dataset,
    options: EvaluateOptions,
    *,
    output_root: Path,
    loading: ModelSpec | None = None,
    on_audit: AuditCallback | None = None,
    progress: bool = True,
) -> list[SweepAudit]:
    """Audit each checkpoint in turn into `output_root/step-<N>/`, skipping those already
    audited there with the same settings.

    `loading` carries the device, dtype, remote-code and lm-head options (its reference
    is replaced by each checkpoint's). A checkpoint whose model cannot load is recorded
    with its error and the series goes on. The generation and classifier-weighted
    stages are not part of a sweep (EvaluateOptionsError).
    """
    if options.generation is not None or options.classifier_weighted is not None:
        option = "generation" if options.generation is not None else "classifier_weighted"
        raise EvaluateOptionsError(
            "a sweep audits the safety score only; run the optional stages with evaluate",
            option=option,
        )
    data = dataset if isinstance(dataset, Dataset) else load_dataset(str(dataset))
    loading = loading or ModelSpec(reference="")
    audits: list[SweepAudit] = []
    for checkpoint in checkpoints:
        spec = checkpoint_spec(loading, checkpoint)
        directory = checkpoint_output_dir(output_root, checkpoint)
        evaluation: Evaluation | None = None
        earlier = previous_audit(directory, spec, data, options)
        if earlier is not None:
            audit = SweepAudit(checkpoint, directory, earlier, skipped=True)
        else:
            try:
                evaluation = run_evaluation(
                    spec,
                    data,
                    options,
                    name=checkpoint.name,
                    output_dir=directory,
                    progress=progress,
                )
                audit = SweepAudit(checkpoint, directory, evaluation.result)
            except ModelLoadError as exc:
                audit = SweepAudit(checkpoint, directory, None, error=str(exc))
        audits.append(audit)
        if on_audit is not None:
            on_audit(audit, evaluation)
    return audits
