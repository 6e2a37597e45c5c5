"""`toxaudit run` and `toxaudit report` with --mlflow and --wandb: what the trackers hold."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.audit.integrations.wandb_reader import read_offline_run
from tests.cli.gate_helpers import Outcome, one_line_error


def toxaudit(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    from cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


@pytest.fixture()
def offline_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("wandb", reason="the wandb extra is not installed")
    directory = tmp_path / "wandb-runs"
    directory.mkdir()
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(directory))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    return directory


def _run_id(err: str, tracker: str) -> str:
    prefix = f"logged to {tracker} run "
    (line,) = [line for line in err.splitlines() if line.startswith(prefix)]
    return line[len(prefix) :]


def test_run_logs_metrics_at_the_step_and_both_files_to_mlflow_and_wandb(
    capsys, tiny_llama_dir, tmp_path, offline_wandb, monkeypatch
) -> None:
    pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    from mlflow.tracking import MlflowClient

    from audit.datasets import sample_sentences, sentence_record, write_records
    from audit.results import read_results

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "two-groups.jsonl"
    rows = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(data, [sentence_record(s) for s in rows])
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run_dir = tmp_path / "run"
    outcome = toxaudit(
        capsys,
        *("run", "--model", str(tiny_llama_dir), "--dataset", str(data), "--resamples", "50"),
        *("--output-dir", str(run_dir), "--step", "500", "--name", "tiny step 500"),
        *("--mlflow", "--mlflow-tracking-uri", uri, "--mlflow-experiment", "sweeps", "--wandb"),
    )
    assert outcome.code == 0, outcome.err
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('data-group="') == 2
    assert f"{tiny_llama_dir} on {data}" in html  # the reference from ModelInfo's spec
    result = read_results(run_dir / "results.json")

    client = MlflowClient(uri)
    mlflow_run = client.get_run(_run_id(outcome.err, "MLflow"))
    assert client.get_experiment(mlflow_run.info.experiment_id).name == "sweeps"
    assert mlflow_run.data.params["toxaudit/model.reference"] == str(tiny_llama_dir)
    history = client.get_metric_history(mlflow_run.info.run_id, "safety/group/women")
    assert [(m.step, m.value) for m in history] == [(500, result.scores.group("women").score)]
    files = {f.path for f in client.list_artifacts(mlflow_run.info.run_id, "toxaudit")}
    assert files == {"toxaudit/results.json", "toxaudit/report.html"}

    wandb_id = _run_id(outcome.err, "W&B")
    (run_path,) = (offline_wandb / "wandb").glob(f"offline-run-*-{wandb_id}")
    logged = read_offline_run(run_path)
    (row,) = logged.history
    assert row["_step"] == 500
    assert row["safety/average"] == pytest.approx(result.scores.average)
    assert sorted(logged.artifacts[0]["files"]) == ["report.html", "results.json"]


def test_report_logs_to_mlflow_with_its_step(capsys, tmp_path, monkeypatch) -> None:
    pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    from mlflow.tracking import MlflowClient

    from tests.audit.gate.builders import BASELINE_HARMFUL, scored_rows, write_run

    monkeypatch.chdir(tmp_path)
    results = write_run(tmp_path / "run", scored_rows(BASELINE_HARMFUL), name="main")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = tmp_path / "report.html"
    outcome = toxaudit(
        capsys, "report", str(results), "--output", str(out), "--step", "7", "--mlflow",
        "--mlflow-tracking-uri", uri,
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    client = MlflowClient(uri)
    run_id = _run_id(outcome.err, "MLflow")
    assert [m.step for m in client.get_metric_history(run_id, "safety/average")] == [7]
    files = {f.path for f in client.list_artifacts(run_id, "toxaudit")}
    assert files == {"toxaudit/results.json", "toxaudit/report.html"}


@pytest.mark.parametrize("tracker", ["mlflow", "wandb"])
def test_a_missing_tracker_stops_the_run_before_any_work(
    capsys, tmp_path, monkeypatch, tracker
) -> None:
    monkeypatch.setitem(sys.modules, tracker, None)
    line = one_line_error(
        toxaudit(
            capsys,
            *("run", "--model", str(tmp_path / "no-such-model"), f"--{tracker}"),
            *("--output-dir", str(tmp_path / "run")),
        )
    )
    assert f"pip install 'toxaudit[{tracker}]'" in line
    assert not (tmp_path / "run").exists()
