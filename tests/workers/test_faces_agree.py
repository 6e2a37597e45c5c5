"""`toxaudit run`, the workers and the README's Python example write the same results.json.

Issue 13's "done when": one audit, three faces, one answer. Only what is specific to one
run may differ: its timings, when it finished (`created_at`), the machine, and
`perplexities_file` (a worker keeps the perplexities in the database, not beside the file).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset
from cli import main
from db import submit_audit
from tests.workers.conftest import get_audit
from workers import EmbeddedWorker

RUN_SPECIFIC = ("timings", "created_at", "machine", "perplexities_file")
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    """The Python block of the README's "From Python" section, as written there."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## From Python\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "README.md's From Python section has no python block"
    return match.group(1)


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in results.items() if key not in RUN_SPECIFIC}


def test_cli_workers_and_readme_example_write_identical_results(
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    sqlite_sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = str(tiny_llama_dir)
    example = readme_example()
    # The example's own settings drive all three faces; only the model is the tiny one.
    options = re.search(r"EvaluateOptions\(limit=(\d+), n_resamples=(\d+), seed=(\d+)\)", example)
    assert options is not None, "the README example's EvaluateOptions changed: update this test"
    limit, resamples, seed = (int(value) for value in options.groups())

    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(example.replace('"smollm2-135m"', repr(model), 1), namespace)
    assert "average safety score" in capsys.readouterr().out
    from_python = json.loads(
        (tmp_path / "runs" / "smollm2-135m" / "results.json").read_text(encoding="utf-8")
    )
    assert namespace["result"].to_dict()["scores"] == from_python["scores"]

    cli_dir = tmp_path / "cli"
    argv = ["run", "--model", model, "--dataset", "sample", "--output-dir", str(cli_dir)]
    argv += ["--limit", str(limit), "--resamples", str(resamples), "--seed", str(seed)]
    assert main(argv) == 0
    from_cli = json.loads((cli_dir / "results.json").read_text(encoding="utf-8"))

    # One chunk of every row: the engine batches it as the in-process run does.
    worker = EmbeddedWorker(sqlite_sessions, chunk_size=limit, retry_delay=0.01)
    worker.start(resume=False)
    try:
        with sqlite_sessions() as session, session.begin():
            audit, _ = submit_audit(
                session,
                model=model,
                revision=None,
                label=model,
                step=None,
                tags=[],
                dataset=sample_dataset,
                settings={"limit": limit, "n_resamples": resamples, "seed": seed},
            )
            audit_id = audit.id
        worker.submit(audit_id)
        assert worker.wait_idle(120)
    finally:
        worker.stop()
    stored = get_audit(sqlite_sessions, audit_id)
    assert stored.results is not None, stored.error
    from_worker = stored.results

    assert from_python["scores"]["groups"], "the audit scored no group: nothing compared"
    assert comparable(from_cli) == comparable(from_python)
    assert comparable(from_worker) == comparable(from_cli)
