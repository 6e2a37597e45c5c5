"""`toxaudit generate` and `run --generation` with a guard: classifier, on tiny models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.datasets import sample_sentences, sentence_record, write_records
from audit.results import read_results
from cli import main
from tests.audit.classifiers.tiny_guards import build_tiny_guard


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture(scope="module")
def guards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli-guards")
    return {
        family: build_tiny_guard(root / f"tiny-{family}", family)
        for family in ("llama-guard", "shieldgemma")
    }


def test_generate_with_a_shieldgemma_policy(
    tiny_llama_dir: Path, guards: dict[str, Path], tmp_path: Path
) -> None:
    out, metrics = tmp_path / "gen.jsonl", tmp_path / "metrics.json"
    code = main(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--groups", "women,asian", "--per-group", "2", "--max-new-tokens", "4",
            "--classifier", f"guard:{guards['shieldgemma']}", "--guard-policy", "No insults.",
            "--classifier-batch", "3", "--resamples", "20",
            "--output", str(out), "--metrics", str(metrics),
        ]
    )  # fmt: skip
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 8
    scored = [r for r in records if r["scores"] is not None]
    assert scored and all(set(r["scores"]) == {"unsafe"} for r in scored)
    assert all(0 < r["toxicity"] < 1 and r["categories"] is None for r in scored)
    classifier = json.loads(metrics.read_text())["classifier"]
    assert classifier["spec"]["args"]["policy"] == "No insults."
    assert classifier["details"]["family"] == "shieldgemma"
    assert classifier["headline"] == "unsafe"


def test_run_generation_with_llama_guard_and_classifier_weighted(
    tiny_llama_dir: Path, guards: dict[str, Path], tmp_path: Path
) -> None:
    dataset = tmp_path / "small.jsonl"
    sentences = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(dataset, [sentence_record(s) for s in sentences])
    out_dir = tmp_path / "run"
    code = main(
        [
            "run", "--model", str(tiny_llama_dir), "--dataset", str(dataset),
            "--output-dir", str(out_dir), "--resamples", "20",
            "--generation", "--prompts", "sample", "--groups", "asian,women",
            "--per-group", "1", "--max-new-tokens", "3",
            "--classifier", f"guard:{guards['llama-guard']}", "--guard-family", "llama-guard",
            "--classifier-weighted",
        ]
    )  # fmt: skip
    assert code == 0
    result = read_results(out_dir / "results.json")
    generation = result.extra["generation"]
    assert generation["classifier"]["spec"]["args"]["family"] == "llama-guard"
    assert generation["classifier"]["details"]["family_from"] == "given by guard_family"
    records = [
        json.loads(line) for line in (out_dir / "generations.jsonl").read_text().splitlines()
    ]
    assert len(records) == 4 and all("categories" in r for r in records)
    weighted = result.extra["classifier_weighted"]
    assert {g["group"] for g in weighted["scores"]["groups"]} == {"asian", "women"}


def test_guard_options_on_other_classifiers_are_usage_errors(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--classifier", "profanity-check", "--guard-policy", "No insults.",
            "--output", str(tmp_path / "o.jsonl"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "--guard-policy does not apply to the 'profanity-check' classifier" in (
        capsys.readouterr().err
    )
    code = _exit_code(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--classifier", "guard:x/y", "--guard-family", "perspective",
            "--output", str(tmp_path / "o.jsonl"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "--guard-family" in capsys.readouterr().err
