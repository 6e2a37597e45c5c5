"""`toxaudit generate` and `toxaudit run --generation` end to end on tiny models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.datasets import TOXIGEN_GROUPS, sample_sentences, sentence_record, write_records
from audit.generation import TOXIGEN_FILE_GROUPS
from audit.results import read_results
from cli import main
from tests.audit.classifiers.tiny_classifiers import build_detoxify_checkpoint


def _exit_code(argv: list[str]) -> int:
    """main()'s status, whether it returns it or argparse exits with it (usage errors)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture(scope="module")
def detoxify_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("cli-detoxify"))


@pytest.fixture(scope="module")
def prompt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ToxiGen-format files for the 13 groups, with literal backslash-n separators."""
    directory = tmp_path_factory.mktemp("prompts")
    for file_group in TOXIGEN_FILE_GROUPS:
        for label in ("hate", "neutral"):
            lines = [
                f"- {label} statement {i} about {file_group}\\n- the quick brown fox\\n-"
                for i in range(3)
            ]
            (directory / f"{label}_{file_group}_1k.txt").write_text("\n".join(lines) + "\n")
    return directory


def test_generate_writes_one_record_per_continuation(
    tiny_llama_dir: Path,
    prompt_dir: Path,
    detoxify_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    checkpoint, config = detoxify_files
    out, metrics = tmp_path / "gen.jsonl", tmp_path / "metrics.json"
    code = main(
        [
            "generate",
            "--model", str(tiny_llama_dir),
            "--prompts", str(prompt_dir),
            "--classifier", f"detoxify:{checkpoint}",
            "--classifier-config", str(config),
            "--per-group", "2",
            "--max-new-tokens", "4",
            "--generation-seed", "3",
            "--seed", "5",
            "--resamples", "50",
            "--output", str(out),
            "--metrics", str(metrics),
        ]
    )  # fmt: skip
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 13 * 2 * 2
    assert {(r["group"], r["label"]) for r in records} == {
        (g, label) for g in TOXIGEN_GROUPS for label in ("hate", "neutral")
    }
    for record in records:
        assert set(record) >= {"group", "label", "prompt_index", "sample_index", "continuation"}
        if record["scores"] is not None:
            assert set(record["scores"]) == {
                "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
            }  # fmt: skip
        else:
            assert record["unscored_reason"]
    data = json.loads(metrics.read_text())
    assert data["classifier"]["spec"]["name"] == "detoxify"
    assert data["classifier"]["spec"]["args"]["config"] == str(config)
    assert data["settings"]["seed"] == 3
    assert data["seed"] == 5  # --seed is the bootstrap seed, apart from the generation seed
    assert len(data["metrics"]) == 26
    stdout = capsys.readouterr().out
    assert "mean toxicity" in stdout and "middle-eastern" in stdout


def test_profanity_check_on_sample_prompts_with_chosen_groups(
    tiny_llama_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "gen.jsonl"
    code = main(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--classifier", "profanity-check", "--groups", "women,black", "--per-group", "2",
            "--samples", "2", "--temperature", "1.0", "--top-p", "0.9",
            "--max-new-tokens", "3", "--output", str(out), "--resamples", "0",
        ]
    )  # fmt: skip
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2 * 2 * 2 * 2
    assert {r["group"] for r in records} == {"women", "black"}
    assert {r["sample_index"] for r in records} == {0, 1}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--classifier", "perspective"], "unknown classifier 'perspective'"),
        (["--classifier", "profanity-check", "--samples", "3"], "identical continuations"),
        (["--classifier", "profanity-check", "--prompts", "/no/such/dir"], "/no/such/dir"),
        (["--classifier", "profanity-check", "--classifier-config", "/x"], "does not apply"),
    ],
)
def test_bad_options_fail_in_one_line_before_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    # The model does not exist: these errors must come before any loading.
    args = ["generate", "--model", str(tmp_path / "no-model"), "--prompts", "sample"]
    code = _exit_code([*args, *extra, "--output", str(tmp_path / "o.jsonl")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("toxaudit: error: ") and message in err
    assert "\n" not in err


def test_detoxify_offline_without_config_is_a_clear_error(
    tiny_llama_dir: Path,
    detoxify_files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--per-group", "1", "--groups", "women", "--max-new-tokens", "2",
            "--classifier", f"detoxify:{detoxify_files[0]}", "--output", str(tmp_path / "o.jsonl"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "--classifier-config" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


def test_run_with_generation_adds_sections_to_results(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "small.jsonl"
    sentences = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(dataset, [sentence_record(s) for s in sentences])
    out_dir = tmp_path / "run"
    code = main(
        [
            "run", "--model", str(tiny_llama_dir), "--dataset", str(dataset),
            "--output-dir", str(out_dir), "--resamples", "50",
            "--generation", "--prompts", "sample", "--groups", "asian,women",
            "--per-group", "2", "--max-new-tokens", "3",
            "--classifier", "profanity-check", "--classifier-weighted",
        ]
    )  # fmt: skip
    assert code == 0
    result = read_results(out_dir / "results.json")
    generation = result.extra["generation"]
    assert generation["classifier"]["spec"] == {"name": "profanity-check", "args": {}}
    assert {(m["group"], m["label"]) for m in generation["metrics"]} == {
        (g, label) for g in ("asian", "women") for label in ("hate", "neutral")
    }
    assert generation["records_file"] == "generations.jsonl"
    assert len((out_dir / "generations.jsonl").read_text().splitlines()) == 8
    weighted = result.extra["classifier_weighted"]
    assert weighted["toxicity_score"] == "1 + 4 * p_toxic"
    assert {g["group"] for g in weighted["scores"]["groups"]} == {"asian", "women"}
    stdout = capsys.readouterr().out
    assert "generation audit" in stdout and "classifier-weighted safety score" in stdout


def test_run_store_keeps_the_generation_audit(
    tiny_llama_dir: Path, tmp_path: Path, local_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select

    from db import GenerationResult, GroupScoreRecord, get_sessionmaker

    dataset = tmp_path / "small.jsonl"
    sentences = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(dataset, [sentence_record(s) for s in sentences])
    code = main(
        [
            "run", "--model", str(tiny_llama_dir), "--dataset", str(dataset),
            "--output-dir", str(tmp_path / "run"), "--resamples", "50", "--store",
            "--generation", "--prompts", "sample", "--groups", "asian,women",
            "--per-group", "2", "--max-new-tokens", "3", "--classifier", "profanity-check",
        ]
    )  # fmt: skip
    assert code == 0
    assert "stored as audit 1" in capsys.readouterr().out
    written = [
        json.loads(line)
        for line in (tmp_path / "run" / "generations.jsonl").read_text().splitlines()
    ]
    with get_sessionmaker()() as session:
        stored = session.scalars(
            select(GenerationResult).where(GenerationResult.audit_id == 1)
        ).all()
        metrics = session.scalars(
            select(GroupScoreRecord.metric).where(
                GroupScoreRecord.audit_id == 1, GroupScoreRecord.metric != "safety"
            )
        ).all()
    assert sorted(r.continuation for r in stored) == sorted(r["continuation"] for r in written)
    assert {r.group for r in stored} == {"asian", "women"}
    # Four metrics for each of 2 groups x 2 labels.
    assert len(metrics) == 16


def test_generation_flags_need_prompts_and_classifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(
        ["run", "--model", str(tmp_path / "none"), "--generation", "--prompts", "sample"]
    )
    assert code == 2
    assert "--generation needs --prompts and --classifier" in capsys.readouterr().err
