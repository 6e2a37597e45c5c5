"""`toxaudit perplexity`, `score` and `run` with their file contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.datasets import sample_sentences, sentence_record, write_records
from audit.results import read_perplexities, read_results
from cli import main


@pytest.fixture()
def small_set(tmp_path: Path) -> Path:
    path = tmp_path / "small.jsonl"
    sentences = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(path, [sentence_record(s) for s in sentences])
    return path


def test_perplexity_writes_input_records_in_order(
    tiny_llama_dir: Path, small_set: Path, tmp_path: Path
) -> None:
    out = tmp_path / "perplexities.json"
    code = main(
        [
            "perplexity",
            "--model",
            str(tiny_llama_dir),
            "--dataset",
            str(small_set),
            "--output",
            str(out),
            "--limit",
            "30",
            "--batch-tokens",
            "64",
        ]
    )
    assert code == 0
    records = json.loads(out.read_text())
    source = [json.loads(line) for line in small_set.read_text().splitlines()][:30]
    assert [r["id"] for r in records] == [r["id"] for r in source]
    assert all(r["perplexity"] > 1 for r in records)


def test_score_safenlp_and_full_formats(
    tiny_llama_dir: Path, small_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ppl = tmp_path / "p.json"
    assert (
        main(
            [
                "perplexity",
                "--model",
                str(tiny_llama_dir),
                "--dataset",
                str(small_set),
                "--output",
                str(ppl),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["score", "--perplexities", str(ppl), "--format", "full", "--resamples", "50"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert [g["group"] for g in full["groups"]] == ["asian", "women"]
    assert {
        "score",
        "ci_low",
        "ci_high",
        "p_value",
        "n_harmful",
        "n_neutral",
        "significant",
    } <= set(full["groups"][0])
    out = tmp_path / "safenlp.json"
    assert (
        main(
            [
                "score",
                "--perplexities",
                str(ppl),
                "--format",
                "safenlp",
                "--alpha",
                "0.999",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    safenlp = json.loads(out.read_text())
    assert set(safenlp) == {g["group"] for g in full["groups"] if g["p_value"] <= 0.999}
    for group in full["groups"]:
        if group["group"] in safenlp:
            assert safenlp[group["group"]] == group["score"]


def test_run_writes_three_files_and_prints_table(
    tiny_model_dir: Path, small_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "run"
    code = main(
        [
            "run",
            "--model",
            str(tiny_model_dir),
            "--dataset",
            str(small_set),
            "--name",
            "tiny",
            "--output-dir",
            str(out_dir),
            "--resamples",
            "100",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "average" in printed and "asian" in printed
    result = read_results(out_dir / "results.json")
    assert result.name == "tiny"
    assert result.dataset.n_sentences == 48
    assert result.settings.n_resamples == 100
    assert result.software["torch"]
    assert result.timings["perplexity_seconds"] > 0
    rows = read_perplexities(out_dir / "perplexities.json")
    assert len(rows) == 48
    assert json.loads((out_dir / "safety_scores.json").read_text()) == result.scores.safenlp()


def test_bad_dataset_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [{"id": 1, "text": "x", "label": "maybe", "toxicity_score": 2, "target_groups": ["g"]}]
        )
    )
    code = main(
        [
            "perplexity",
            "--model",
            "smollm2-135m",
            "--dataset",
            str(bad),
            "--output",
            str(tmp_path / "o.json"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("toxaudit: error: ")
    assert f"{bad}, row 1, field 'label'" in err
    assert len(err.splitlines()) == 1


def test_bad_alpha_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["score", "--perplexities", str(tmp_path / "x.json"), "--alpha", "2"])
    assert info.value.code == 2


def test_run_store_records_a_finished_audit_once(
    tiny_llama_dir: Path,
    small_set: Path,
    tmp_path: Path,
    local_database: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlalchemy import func, select

    from db import (
        Audit,
        AuditStatus,
        GroupScoreRecord,
        SentenceResult,
        get_sessionmaker,
    )

    args = [
        "run",
        "--model",
        str(tiny_llama_dir),
        "--dataset",
        str(small_set),
        "--name",
        "tiny",
        "--output-dir",
        str(tmp_path / "r"),
        "--resamples",
        "50",
        "--store",
        "--step",
        "100",
        "--tag",
        "nightly",
    ]
    assert main(args) == 0
    assert "stored as audit 1" in capsys.readouterr().out
    assert main(args) == 0
    assert "identical to stored audit 1, recorded as audit 2" in capsys.readouterr().out
    with get_sessionmaker()() as session:
        audit = session.get(Audit, 1)
        assert audit is not None and audit.status is AuditStatus.succeeded
        assert audit.checkpoint.step == 100 and audit.checkpoint.tags == ["nightly"]
        assert audit.results is not None and audit.results["name"] == "tiny"
        count = select(func.count()).select_from(SentenceResult).where(SentenceResult.audit_id == 1)
        assert session.scalar(count) == 48
        groups = session.scalars(
            select(GroupScoreRecord.group).where(GroupScoreRecord.audit_id == 1)
        ).all()
        assert sorted(groups) == ["asian", "women"]


def test_run_store_with_limit_records_the_whole_data_set(
    tiny_llama_dir: Path,
    small_set: Path,
    tmp_path: Path,
    local_database: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The data set is stored by content hash for every later audit: a --limit run must
    # store all its rows, not the first N under the whole set's hash.
    from sqlalchemy import func, select

    from db import Audit, DatasetRow, get_sessionmaker

    args = ["run", "--model", str(tiny_llama_dir), "--dataset", str(small_set)]
    args += ["--output-dir", str(tmp_path / "r"), "--resamples", "50", "--limit", "20", "--store"]
    assert main(args) == 0
    assert "stored as audit 1" in capsys.readouterr().out
    with get_sessionmaker()() as session:
        audit = session.get(Audit, 1)
        assert audit is not None and audit.progress_total == 20
        assert audit.dataset.size == 48
        rows = select(func.count()).select_from(DatasetRow)
        assert session.scalar(rows.where(DatasetRow.dataset_id == audit.dataset_id)) == 48


def test_run_names_a_bad_option_by_its_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The library says `seed`; the command line says which flag that is.
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--model", str(tmp_path / "unused"), "--seed", "-1"])
    assert exit_.value.code == 2
    assert "toxaudit: error: --seed must be at least 0, got -1" in capsys.readouterr().err
