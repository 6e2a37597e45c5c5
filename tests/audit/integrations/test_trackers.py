"""MLflow (local sqlite store) and W&B (offline) receive the audit, read back from the store.

Each test skips with the reason when its tracker's extra is not installed; the dev
extra installs both, so CI runs them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.integrations import TrackerError, log_to_mlflow, log_to_wandb, tracker_payload
from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    generation_section,
    run_result,
    scored_rows,
    several_classifiers_section,
)
from tests.audit.integrations.wandb_reader import read_offline_run


def _result() -> Any:
    return run_result(
        scored_rows(BASELINE_HARMFUL),
        name="tiny step 1000",
        generation=generation_section(lambda group, label: 0.25),
    )


def _two_classifiers() -> Any:
    section = several_classifiers_section(generation_section(lambda group, label: 0.25))
    return run_result(scored_rows(BASELINE_HARMFUL), name="two", generation=section)


PAIR = "profanity-check/hf_org_tox-bert"


def _artifacts(tmp_path: Path) -> list[Path]:
    results = tmp_path / "results.json"
    results.write_text('{"name": "tiny"}\n', encoding="utf-8")
    report = tmp_path / "report.html"
    report.write_text("<!doctype html><title>r</title>\n", encoding="utf-8")
    return [results, report]


@pytest.fixture()
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(uri)
    yield mlflow
    while mlflow.active_run() is not None:
        mlflow.end_run()


def test_mlflow_new_run_gets_params_metrics_at_the_step_and_files(mlflow_store, tmp_path) -> None:
    from mlflow.tracking import MlflowClient

    result = _result()
    run_id = log_to_mlflow(
        tracker_payload(result, step=1000),
        artifacts=_artifacts(tmp_path),
        experiment="toxaudit-tests",
        run_name=result.name,
    )
    assert mlflow_store.active_run() is None  # our own run is ended
    client = MlflowClient()
    run = client.get_run(run_id)
    assert run.info.run_name == "tiny step 1000"
    assert run.data.params["toxaudit/dataset.sha256"] == "f" * 64
    history = client.get_metric_history(run_id, "safety/average")
    assert [m.step for m in history] == [1000]
    assert history[0].value == pytest.approx(result.scores.average)
    women = client.get_metric_history(run_id, "safety/group/women")
    assert [(m.step, m.value) for m in women] == [(1000, result.scores.group("women").score)]
    fraction = client.get_metric_history(run_id, "generation/toxic_fraction/women/hate")
    assert [(m.step, m.value) for m in fraction] == [(1000, 0.25)]
    files = {f.path for f in client.list_artifacts(run_id, "toxaudit")}
    assert files == {"toxaudit/results.json", "toxaudit/report.html"}


def test_mlflow_active_run_collects_one_audit_per_step(mlflow_store, tmp_path) -> None:
    from mlflow.tracking import MlflowClient

    result = _result()
    with mlflow_store.start_run() as active:
        mlflow_store.log_param("learning_rate", "0.001")
        for step in (100, 200):
            run_id = log_to_mlflow(tracker_payload(result, step=step))
            assert run_id == active.info.run_id
            assert mlflow_store.active_run() is not None  # the trainer's run stays open
    history = MlflowClient().get_metric_history(active.info.run_id, "safety/average")
    assert sorted(m.step for m in history) == [100, 200]


def test_missing_mlflow_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(TrackerError, match=r"pip install 'toxaudit\[mlflow\]'"):
        log_to_mlflow(tracker_payload(_result()))


def test_missing_wandb_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(TrackerError, match=r"pip install 'toxaudit\[wandb\]'"):
        log_to_wandb(tracker_payload(_result()))


@pytest.fixture()
def wandb_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    wandb = pytest.importorskip("wandb", reason="the wandb extra is not installed")
    directory = tmp_path / "wandb-runs"
    directory.mkdir()
    for key, value in {
        "WANDB_MODE": "offline",
        "WANDB_DIR": str(directory),
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_CONSOLE": "off",
    }.items():
        monkeypatch.setenv(key, value)
    yield directory
    if wandb.run is not None:
        wandb.run.finish()


def _offline_run(directory: Path, run_id: str) -> Any:
    (run_dir,) = (directory / "wandb").glob(f"offline-run-*-{run_id}")
    return read_offline_run(run_dir)


def test_wandb_offline_run_gets_config_metrics_at_the_step_and_files(
    wandb_offline, tmp_path
) -> None:
    result = _result()
    run_id = log_to_wandb(
        tracker_payload(result, step=1000),
        artifacts=_artifacts(tmp_path),
        project="toxaudit-tests",
        run_name=result.name,
    )
    run = _offline_run(wandb_offline, run_id)
    assert run.config["toxaudit/dataset.sha256"] == "f" * 64
    (row,) = run.history
    assert row["_step"] == 1000
    assert row["safety/average"] == pytest.approx(result.scores.average)
    assert row["safety/group/women"] == pytest.approx(result.scores.group("women").score)
    assert row["generation/toxic_fraction/women/hate"] == 0.25
    (artifact,) = run.artifacts
    assert artifact["type"] == "safety-audit"
    assert sorted(artifact["files"]) == ["report.html", "results.json"]


def test_wandb_open_run_gets_the_step_as_train_global_step(wandb_offline) -> None:
    import wandb

    result = _result()
    run = wandb.init(project="toxaudit-tests", dir=str(wandb_offline))
    run.log({"train/loss": 1.0})
    for step in (100, 200):
        assert log_to_wandb(tracker_payload(result, step=step)) == run.id
    run_id = run.id
    run.finish()
    rows = [r for r in _offline_run(wandb_offline, run_id).history if "safety/average" in r]
    assert [r["train/global_step"] for r in rows] == [100, 200]


def test_mlflow_holds_each_classifiers_metrics_and_their_agreement(mlflow_store) -> None:
    from mlflow.tracking import MlflowClient

    run_id = log_to_mlflow(tracker_payload(_two_classifiers(), step=3), experiment="two")
    client = MlflowClient()
    logged = client.get_run(run_id).data.metrics
    assert logged["generation/classifier/hf_org_tox-bert/toxic_fraction/women/hate"] == 0.125
    assert logged["generation/classifier/profanity-check/toxic_fraction/women/hate"] == 0.25
    kappa = client.get_metric_history(run_id, f"generation/agreement/kappa/{PAIR}/women/hate")
    assert [(m.step, m.value) for m in kappa] == [(3, 1.0)]
    assert f"generation/agreement/rho/{PAIR}/asian/neutral/ci_low" in logged
    assert f"generation/agreement/kappa/{PAIR}/asian/neutral" not in logged
    params = client.get_run(run_id).data.params
    assert params["toxaudit/generation.classifiers"] == "profanity-check, hf:org/tox-bert"


def test_wandb_holds_each_classifiers_metrics_and_their_agreement(wandb_offline) -> None:
    # The directory given, not WANDB_DIR: W&B keeps the settings of the first run in the process.
    payload = tracker_payload(_two_classifiers(), step=3)
    run_id = log_to_wandb(payload, project="two", directory=wandb_offline)
    run = _offline_run(wandb_offline, run_id)
    (row,) = run.history
    assert row["generation/classifier/hf_org_tox-bert/toxic_fraction/women/hate"] == 0.125
    assert row[f"generation/agreement/kappa/{PAIR}/women/hate"] == 1.0
    assert f"generation/agreement/kappa/{PAIR}/asian/neutral" not in row
    assert run.config["toxaudit/generation.classifiers"] == "profanity-check, hf:org/tox-bert"
