"""`toxaudit sweep`: a training directory of five checkpoints becomes one trend with one
command, locally and through the service; a checkpoint written during --watch is
audited once."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli import main
from tests.audit.sweep.checkpoints import perturbed_copy, training_dir
from tests.cli.serve import Service, service

__all__ = ["service"]  # the fixture, used by name

STEPS = [100, 200, 300, 400, 500]
FAST = ["--limit", "104", "--resamples", "50", "--seed", "3"]


@pytest.fixture(scope="module")
def five_checkpoints(tmp_path_factory: pytest.TempPathFactory, tiny_llama_dir: Path) -> Path:
    """A training output directory (under the service's model roots) with five saves."""
    return training_dir(tiny_llama_dir, tmp_path_factory.mktemp("train") / "run", STEPS)


def _trend(out: str) -> list[list[str]]:
    """The trend table's rows, split on runs of two or more spaces."""
    lines = out[out.index("step  checkpoint") :].splitlines()
    return [re.split(r"\s{2,}", line.strip()) for line in lines[2:] if line[:1] in " 0123456789-"]


def _sweep(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["sweep", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_five_checkpoints_become_one_trend_equal_to_separate_runs_and_resume(
    five_checkpoints: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    local_database: str,
) -> None:
    out_dir = tmp_path / "sweep"
    code, out, err = _sweep(
        capsys, str(five_checkpoints), *FAST, "--output-dir", str(out_dir), "--store"
    )
    assert code == 0, err
    rows = _trend(out)
    assert [row[0] for row in rows] == [str(s) for s in STEPS]
    assert [row[1] for row in rows] == [f"run/checkpoint-{s}" for s in STEPS]
    assert rows[0][-1] == "-"
    for step in (100, 500):
        alone = tmp_path / f"alone-{step}"
        assert (
            main(
                [
                    "run",
                    "--model",
                    str(five_checkpoints / f"checkpoint-{step}"),
                    *FAST,
                    "--output-dir",
                    str(alone),
                ]
            )
            == 0
        )
        expected = json.loads((alone / "results.json").read_text())["scores"]
        swept = json.loads((out_dir / f"step-{step}" / "results.json").read_text())["scores"]
        assert swept == expected
        row = rows[STEPS.index(step)]
        assert row[2] == f"{expected['average']:.3f}"
        assert row[3] == f"[{expected['average_ci_low']:.3f}, {expected['average_ci_high']:.3f}]"
    capsys.readouterr()

    # Stored as `run --store` stores: five checkpoints with their steps.
    from sqlalchemy import select

    from db import Audit, Checkpoint, session_scope

    with session_scope() as session:
        stored = {c.label: c.step for c in session.scalars(select(Checkpoint))}
        statuses = [str(audit.status) for audit in session.scalars(select(Audit))]
    assert stored == {f"run/checkpoint-{s}": s for s in STEPS}
    assert len(statuses) == 5 and all("succeeded" in s for s in statuses)

    # Again with the same settings: nothing is audited, the trend is the same.
    stamps = {p: p.stat().st_mtime_ns for p in out_dir.glob("step-*/results.json")}
    code, again, err = _sweep(capsys, str(five_checkpoints), *FAST, "--output-dir", str(out_dir))
    assert code == 0 and err.count("already audited") == 5, err
    assert _trend(again) == rows
    assert stamps == {p: p.stat().st_mtime_ns for p in out_dir.glob("step-*/results.json")}


def test_a_checkpoint_still_being_written_is_not_touched(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = training_dir(tiny_llama_dir, tmp_path / "run", [10])
    partial = run / "checkpoint-20"
    partial.mkdir()
    (partial / "config.json").write_text((tiny_llama_dir / "config.json").read_text())
    code, out, err = _sweep(capsys, str(run), *FAST, "--output-dir", str(tmp_path / "out"))
    assert code == 0, err
    assert f"skipping {partial}: no weights file" in err
    assert [row[0] for row in _trend(out)] == ["10"]
    assert not (tmp_path / "out" / "step-20").exists()


def test_watch_audits_a_checkpoint_written_during_the_watch_once(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = training_dir(tiny_llama_dir, tmp_path / "run", [10, 20])
    out_dir = tmp_path / "out"

    def train_on() -> None:
        # The next save lands after the watch has audited what was there.
        deadline = time.monotonic() + 120
        while not (out_dir / "step-20" / "results.json").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        perturbed_copy(tiny_llama_dir, run / "checkpoint-30", seed=30)

    trainer = threading.Thread(target=train_on)
    trainer.start()
    code, out, err = _sweep(
        capsys,
        str(run),
        *FAST,
        "--output-dir",
        str(out_dir),
        "--watch",
        "--interval",
        "0.1",
        "--max-checkpoints",
        "3",
    )
    trainer.join()
    assert code == 0, err
    assert [row[0] for row in _trend(out)] == ["10", "20", "30"]
    assert err.count("run/checkpoint-30: average") == 1
    assert err.count("run/checkpoint-10: average") == 1


def test_hub_revisions_are_audited_at_their_steps(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import huggingface_hub

    import audit.models._loading as loading

    revisions = {"step1000": 1000, "step2000": 2000, "main": None}
    local = {
        name: perturbed_copy(tiny_llama_dir, tmp_path / name, seed=len(name)) for name in revisions
    }
    loaded: list[tuple[str, str | None]] = []

    def resolve(spec: Any) -> tuple[str, bool]:
        # No network: each revision of the hub id is one local copy.
        loaded.append((spec.reference, spec.revision))
        return str(local[spec.revision]), True

    monkeypatch.setattr(loading, "_resolve_source", resolve)
    monkeypatch.setattr(
        huggingface_hub,
        "list_repo_refs",
        lambda repo_id: type(
            "Refs",
            (),
            {"branches": [type("Ref", (), {"name": n})() for n in revisions], "tags": []},
        )(),
    )
    code, out, err = _sweep(
        capsys,
        "org/tiny",
        "--revisions",
        "step2000,step1000",
        *FAST,
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert code == 0, err
    assert [row[:2] for row in _trend(out)] == [
        ["1000", "org/tiny@step1000"],
        ["2000", "org/tiny@step2000"],
    ]
    assert loaded == [("org/tiny", "step1000"), ("org/tiny", "step2000")]
    spec = json.loads((tmp_path / "out" / "step-2000" / "results.json").read_text())["model"]
    assert spec["spec"]["revision"] == "step2000"
    code, out, err = _sweep(
        capsys, "org/tiny", "--all-revisions", *FAST, "--output-dir", str(tmp_path / "out")
    )
    assert code == 0 and err.count("already audited") == 2, err


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("empty", "{root}: no checkpoint-<step> folders"),
        ("named", "{root}/checkpoint-final: cannot read a training step"),
        ("no-weights", "{root}/model-a: not a complete checkpoint: no weights file"),
        ("hub", "{root}/gone: no such directory (a hub id needs --revisions"),
    ],
)
def test_bad_sources_are_refused_naming_the_path(
    layout: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "src"
    root.mkdir()
    sources = [str(root)]
    if layout == "named":
        (root / "checkpoint-final").mkdir()
    elif layout == "no-weights":
        for name in ("model-a", "model-b"):
            (root / name).mkdir()
            (root / name / "config.json").write_text("{}")
        sources = [str(root / "model-a"), str(root / "model-b")]
    elif layout == "hub":
        sources = [str(root / "gone")]
    try:
        code = main(["sweep", *sources, "--output-dir", str(tmp_path / "out")])
    except SystemExit as exited:  # usage errors leave through argparse
        code = int(exited.code or 0)
    assert code == 2
    assert message.format(root=root) in capsys.readouterr().err


def test_through_the_service_one_command_gives_the_same_trend(
    service: Service,
    five_checkpoints: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import audit.sweep._trend as trend
    from audit.scoring import series_differences

    # Every comparison each face makes, in full: with none significant in this series the
    # table's change column reads alike whatever the two faces computed.
    compared: list[list[Any]] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        compared.append(series_differences(*args, **kwargs))
        return compared[-1]

    monkeypatch.setattr(trend, "series_differences", recording)
    local_dir = tmp_path / "local"
    assert main(["sweep", str(five_checkpoints), *FAST, "--output-dir", str(local_dir)]) == 0
    local_rows = _trend(capsys.readouterr().out)
    code, out, err = _sweep(
        capsys,
        str(five_checkpoints),
        *FAST,
        "--api",
        service.url,
        "--token",
        service.token,
        "--poll-interval",
        "0.2",
    )
    assert code == 0, err + service.log.read_text()[-3000:]
    rows = _trend(out)
    assert [row[0] for row in rows] == [str(s) for s in STEPS]
    # The service's audits score as the local ones do, and one function compares them.
    assert rows == local_rows, (rows, local_rows)
    local, served = compared
    # --limit 104 reaches 5 groups: their differences and the average's.
    assert len(local) == 4 and all(len(pair) == 6 for pair in local)
    # Each group's difference, intervals and verdict over the series, to the last bit.
    checks = sum(d.difference is not None for row in local for d in row)
    assert served == local and local[0][0].family_size == checks
    assert "5 audits" in err


def test_watch_through_the_service_submits_a_new_checkpoint_once(
    service: Service,
    tiny_llama_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = training_dir(tiny_llama_dir, tmp_path_factory.mktemp("watched") / "run", [10, 20])

    def labels() -> list[str]:
        answer = httpx.get(f"{service.url}/api/audits", params={"limit": 100}, timeout=10)
        answer.raise_for_status()
        return [a["checkpoint"]["label"] for a in answer.json()["items"]]

    def train_on() -> None:
        # The next save lands once the service holds the audits of the first two.
        deadline = time.monotonic() + 120
        while sum(label.startswith(f"{run.name}/") for label in labels()) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        perturbed_copy(tiny_llama_dir, run / "checkpoint-30", seed=30)

    trainer = threading.Thread(target=train_on)
    trainer.start()
    code, out, err = _sweep(
        capsys,
        str(run),
        *FAST,
        "--api",
        service.url,
        "--token",
        service.token,
        "--poll-interval",
        "0.2",
        "--watch",
        "--interval",
        "0.1",
        "--max-checkpoints",
        "3",
    )
    trainer.join()
    assert code == 0, err + service.log.read_text()[-3000:]
    assert [row[0] for row in _trend(out)] == ["10", "20", "30"]
    assert labels().count(f"{run.name}/checkpoint-30") == 1


def test_a_failed_audit_through_the_service_exits_1_naming_it(
    service: Service,
    tiny_llama_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path_factory.mktemp("series")
    good = perturbed_copy(tiny_llama_dir, root / "good-1", seed=1)
    bad = perturbed_copy(tiny_llama_dir, root / "bad-2", seed=2)
    (bad / "config.json").write_text(json.dumps({"model_type": "no-such-architecture"}))
    code, out, err = _sweep(
        capsys,
        str(good),
        str(bad),
        *FAST,
        "--api",
        service.url,
        "--token",
        service.token,
        "--poll-interval",
        "0.2",
    )
    assert code == 1
    assert [row[1] for row in _trend(out)] == ["good-1"]
    assert re.search(r"bad-2: audit \d+ failed: ", err), err


def test_local_options_are_refused_with_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(
            ["sweep", str(tmp_path), "--api", "http://audits.test", "--store", "--dtype", "float16"]
        )
    assert exited.value.code == 2
    assert "--store, --dtype: local options; the service decides these" in capsys.readouterr().err


def test_ctrl_c_during_watch_keeps_the_audits_and_prints_their_trend(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import audit.sweep

    run = training_dir(tiny_llama_dir, tmp_path / "run", [10, 20])
    out_dir = tmp_path / "out"
    watch = audit.sweep.watch_training_dir

    def interrupted_sleep(seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C while waiting for the next checkpoint

    def watch_until_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        return watch(*args, **kwargs, sleep=interrupted_sleep)

    monkeypatch.setattr(audit.sweep, "watch_training_dir", watch_until_ctrl_c)
    code, out, err = _sweep(
        capsys, str(run), *FAST, "--output-dir", str(out_dir), "--watch", "--interval", "60"
    )
    assert code == 130, err
    assert [row[0] for row in _trend(out)] == ["10", "20"]
    assert "interrupted" in err
    assert (out_dir / "step-20" / "results.json").exists()


def test_ctrl_c_during_a_checkpoint_keeps_the_trend_of_those_before_it(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import audit.sweep._series as series
    from audit.pipeline import run_evaluation as evaluate  # what the series calls

    run = training_dir(tiny_llama_dir, tmp_path / "run", [10, 20, 30])

    def ctrl_c_at_step_30(*args: Any, **kwargs: Any) -> Any:
        if kwargs["name"].endswith("checkpoint-30"):
            raise KeyboardInterrupt
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(series, "run_evaluation", ctrl_c_at_step_30)
    code, out, err = _sweep(capsys, str(run), *FAST, "--output-dir", str(tmp_path / "out"))
    assert code == 130, err
    assert [row[0] for row in _trend(out)] == ["10", "20"]


def test_an_unexpected_error_keeps_the_trend_of_the_checkpoints_before_it(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import audit.sweep._series as series
    from audit.pipeline import run_evaluation as evaluate

    run = training_dir(tiny_llama_dir, tmp_path / "run", [10, 20, 30])

    def out_of_memory_at_step_30(*args: Any, **kwargs: Any) -> Any:
        if kwargs["name"].endswith("checkpoint-30"):
            raise MemoryError("out of memory")
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(series, "run_evaluation", out_of_memory_at_step_30)
    with pytest.raises(MemoryError):
        main(["sweep", str(run), *FAST, "--output-dir", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert [row[0] for row in _trend(captured.out)] == ["10", "20"]
    assert "stopped after 2 checkpoint(s)" in captured.err
    assert "a rerun resumes after them" in captured.err


def test_ctrl_c_during_watch_through_the_service_waits_for_what_was_submitted(
    service: Service,
    tiny_llama_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import audit.sweep

    run = training_dir(tiny_llama_dir, tmp_path_factory.mktemp("interrupted") / "run", [10, 20])
    watch = audit.sweep.watch_training_dir

    def interrupted_sleep(seconds: float) -> None:
        raise KeyboardInterrupt

    def watch_until_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        return watch(*args, **kwargs, sleep=interrupted_sleep)

    monkeypatch.setattr(audit.sweep, "watch_training_dir", watch_until_ctrl_c)
    code, out, err = _sweep(
        capsys,
        str(run),
        *FAST,
        "--api",
        service.url,
        "--token",
        service.token,
        "--poll-interval",
        "0.2",
        "--watch",
    )
    assert code == 130, err + service.log.read_text()[-3000:]
    assert [row[0] for row in _trend(out)] == ["10", "20"]
    assert "waiting for the 2 audit(s) submitted" in err


def test_store_twice_stores_each_audit_once(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    local_database: str,
) -> None:
    from sqlalchemy import func, select

    from db import session_scope
    from db._models import Audit

    run = training_dir(tiny_llama_dir, tmp_path / "run", [10])
    for output in ("out", "out", "elsewhere"):  # resumed, then audited again elsewhere
        code, _, err = _sweep(
            capsys, str(run), *FAST, "--output-dir", str(tmp_path / output), "--store"
        )
        assert code == 0, err
    assert "already stored as audit 1 in" in err
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Audit)) == 1


def test_a_checkpoint_that_fails_to_load_is_named_under_the_trend(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = training_dir(tiny_llama_dir, tmp_path / "run", [10, 20, 30])
    (run / "checkpoint-20" / "config.json").write_text(json.dumps({"model_type": "no-such"}))
    code, out, err = _sweep(capsys, str(run), *FAST, "--output-dir", str(tmp_path / "out"))
    assert code == 1
    assert [row[0] for row in _trend(out)] == ["10", "30"]
    # Step 30's change is against step 10: the table says which one has no row.
    assert out.rstrip().splitlines()[-1] == (
        "failed, no row (each row is compared with the row above it): run/checkpoint-20"
    )
    assert "run/checkpoint-20 failed: could not load" in err


def test_a_checkpoint_completed_after_a_later_one_takes_its_place_by_step(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Copied in from elsewhere (rsync), checkpoint-10 completes after checkpoint-20.
    import audit.sweep

    run = training_dir(tiny_llama_dir, tmp_path / "run", [20])
    late = run / "checkpoint-10"
    late.mkdir()
    (late / "config.json").write_text((tiny_llama_dir / "config.json").read_text())
    polls: list[float] = []
    watch = audit.sweep.watch_training_dir

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            shutil.rmtree(late)
            perturbed_copy(tiny_llama_dir, late, seed=10)
            return
        raise KeyboardInterrupt

    def watch_with(*args: Any, **kwargs: Any) -> Any:
        return watch(*args, **kwargs, sleep=sleep)

    monkeypatch.setattr(audit.sweep, "watch_training_dir", watch_with)
    code, out, err = _sweep(
        capsys, str(run), *FAST, "--output-dir", str(tmp_path / "out"), "--watch"
    )
    assert code == 130, err
    rows = _trend(out)
    assert [row[0] for row in rows] == ["10", "20"]
    assert rows[0][-1] == "-"


def test_resume_does_not_depend_on_how_the_directory_was_named(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = training_dir(tiny_llama_dir, tmp_path / "run", [10])
    monkeypatch.chdir(tmp_path)
    out_dir = str(tmp_path / "out")
    assert _sweep(capsys, "run", *FAST, "--output-dir", out_dir)[0] == 0
    code, _, err = _sweep(capsys, str(run), *FAST, "--output-dir", out_dir)
    assert code == 0 and "already audited" in err, err


def test_a_training_dir_given_as_dot_keeps_its_name(
    tiny_llama_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = training_dir(tiny_llama_dir, tmp_path / "run", [10])
    monkeypatch.chdir(run)
    code, out, err = _sweep(capsys, ".", *FAST)
    assert code == 0, err
    assert _trend(out)[0][1] == "run/checkpoint-10"
    expected = run / "runs" / f"sweep-{str(run).strip('/').replace('/', '-')}" / "step-10"
    assert (expected / "results.json").exists(), sorted(run.glob("runs/*"))
    monkeypatch.chdir(tmp_path)
    code, _, err = _sweep(capsys, "run", *FAST, "--output-dir", str(expected.parent))
    assert code == 0 and "already audited" in err, err


def test_a_finished_run_with_its_final_model_beside_the_checkpoints_is_swept(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # trainer.save_model() at the end writes config.json and the weights into the run's
    # own folder, next to its checkpoint-<N> folders.
    run = training_dir(tiny_llama_dir, tmp_path / "my-run", [10, 20])
    for file in (run / "checkpoint-20").iterdir():
        shutil.copy(file, run / file.name)
    code, out, err = _sweep(capsys, str(run), *FAST, "--output-dir", str(tmp_path / "out"))
    assert code == 0, err
    assert [row[1] for row in _trend(out)] == ["my-run/checkpoint-10", "my-run/checkpoint-20"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--step-regex", r"x(\d+)"], "--step-regex: the steps of a training directory are"),
        (["--watch"], "a model directory, not a training output directory"),
    ],
)
def test_options_that_cannot_apply_to_the_source_are_refused(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    if "--watch" in extra:  # a model directory given to --watch: it would wait forever
        run.mkdir()
        (run / "config.json").write_text("{}")
    else:
        (run / "checkpoint-10").mkdir(parents=True)
    with pytest.raises(SystemExit) as exited:
        main(
            ["sweep", str(run), *extra, "--until-idle", "1"]
            if "--watch" in extra
            else ["sweep", str(run), *extra]
        )
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
