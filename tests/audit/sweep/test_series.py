"""run_series: one evaluate per checkpoint, resuming; the trend from its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.models import ModelSpec
from audit.pipeline import EvaluateOptions, EvaluateOptionsError, evaluate
from audit.sweep import local_trend, run_series, training_checkpoints
from tests.audit.sweep.checkpoints import perturbed_copy

OPTIONS = EvaluateOptions(limit=104, n_resamples=50, seed=3)


def test_each_checkpoint_is_audited_as_evaluate_would_and_resumed_when_unchanged(
    training_run: Path, tmp_path: Path
) -> None:
    checkpoints = training_checkpoints(training_run).complete
    out = tmp_path / "out"
    seen: list[tuple[str, bool, bool]] = []
    audits = run_series(
        checkpoints,
        "sample",
        OPTIONS,
        output_root=out,
        on_audit=lambda a, e: seen.append((a.checkpoint.name, a.skipped, e is not None)),
        progress=False,
    )
    assert seen == [("run/checkpoint-100", False, True), ("run/checkpoint-200", False, True)]
    assert [a.output_dir for a in audits] == [out / "step-100", out / "step-200"]
    alone = evaluate(str(training_run / "checkpoint-200"), "sample", OPTIONS, progress=False)
    second = audits[1].result
    assert second is not None and second.name == "run/checkpoint-200"
    assert second.scores.average == alone.scores.average
    assert second.scores.to_dict() == alone.scores.to_dict()
    written = json.loads((out / "step-200" / "results.json").read_text())
    assert written["scores"]["average"] == alone.scores.average

    again = run_series(checkpoints, "sample", OPTIONS, output_root=out, progress=False)
    assert [a.skipped for a in again] == [True, True]
    assert [a.result and a.result.scores.average for a in again] == [
        a.result and a.result.scores.average for a in audits
    ]
    # Other settings are another audit: run again, not read back.
    reseeded = run_series(
        checkpoints[:1],
        "sample",
        EvaluateOptions(limit=104, n_resamples=50, seed=4),
        output_root=out,
        progress=False,
    )
    assert [a.skipped for a in reseeded] == [False]
    assert json.loads((out / "step-100" / "results.json").read_text())["settings"]["seed"] == 4


def test_a_checkpoint_that_cannot_load_is_recorded_and_the_series_goes_on(
    training_run: Path, tmp_path: Path
) -> None:
    checkpoints = training_checkpoints(training_run).complete
    config = training_run / "checkpoint-100" / "config.json"
    config.write_text(json.dumps({"model_type": "no-such-architecture"}))
    audits = run_series(
        checkpoints, "sample", OPTIONS, output_root=tmp_path / "out", progress=False
    )
    assert audits[0].result is None and audits[0].error
    assert "checkpoint-100" in audits[0].error
    assert audits[1].result is not None
    (row,) = local_trend(audits)
    assert row.name == "run/checkpoint-200" and row.previous is None


def test_the_trend_compares_each_checkpoint_with_the_previous_one(
    training_run: Path, tmp_path: Path, tiny_llama_dir: Path
) -> None:
    perturbed_copy(tiny_llama_dir, training_run / "checkpoint-300", seed=300)
    checkpoints = training_checkpoints(training_run).complete
    audits = run_series(
        checkpoints, "sample", OPTIONS, output_root=tmp_path / "out", progress=False
    )
    rows = local_trend(audits)
    assert [(r.step, r.previous) for r in rows] == [
        (100, None),
        (200, "run/checkpoint-100"),
        (300, "run/checkpoint-200"),
    ]
    for row, audit in zip(rows, audits, strict=True):
        assert audit.result is not None
        assert row.average == audit.result.scores.average
        assert (row.ci_low, row.ci_high) == (
            audit.result.scores.average_ci_low,
            audit.result.scores.average_ci_high,
        )
    assert rows[0].change is None and rows[0].n_significant == 0


def test_optional_stages_are_not_part_of_a_sweep(tmp_path: Path) -> None:
    from audit.generation import GenerationOptions

    with pytest.raises(EvaluateOptionsError, match="safety score only") as caught:
        run_series(
            [],
            "sample",
            EvaluateOptions(
                generation=GenerationOptions(classifier="profanity-check", prompts="sample")
            ),
            output_root=tmp_path,
            loading=ModelSpec(reference=""),
        )
    assert caught.value.option == "generation"
