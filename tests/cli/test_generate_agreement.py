"""Several classifiers at once: `generate` and `run --generation` with a guard and
profanity-check, their per-classifier metrics, agreement, storage and audit page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit.datasets import sample_sentences, sentence_record, write_records
from audit.generation import CellScores, classifier_agreement
from audit.results import read_results
from cli import main
from tests.audit.classifiers.tiny_guards import build_tiny_guard

CELLS = {(g, label) for g in ("asian", "women") for label in ("hate", "neutral")}


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture(scope="module")
def guard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_guard(tmp_path_factory.mktemp("agreement") / "tiny-guard", "llama-guard")


def _check_section(generation: dict[str, Any], guard: Path) -> None:
    names = [c["name"] for c in generation["classifiers"]]
    assert names == [f"guard:{guard}", "profanity-check"]
    # The single-classifier layout is kept: its fields are the headline's (the guard's).
    assert generation["classifier"]["spec"]["name"] == "guard"
    headline = generation["classifiers"][0]
    assert generation["metrics"] == headline["metrics"]
    for entry in generation["classifiers"]:
        assert {(m["group"], m["label"]) for m in entry["metrics"]} == CELLS
    agreement = generation["agreement"]
    assert {(a["group"], a["label"]) for a in agreement} == CELLS
    for entry in agreement:
        assert entry["classifiers"] == names
        assert entry["n_continuations"] >= 0
        # Each coefficient is either an estimate or unscored with its reason; never NaN.
        for name in ("kappa", "rho"):
            value, reason = entry[name], entry[f"{name}_unscored_reason"]
            assert (value is None) != (reason is None), entry
            if value is not None:
                assert -1.0 <= value["value"] <= 1.0


def test_generate_with_a_guard_and_profanity_check(
    tiny_llama_dir: Path, guard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, metrics = tmp_path / "gen.jsonl", tmp_path / "metrics.json"
    code = main(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--groups", "asian,women", "--per-group", "2", "--samples", "3",
            "--temperature", "1.0", "--max-new-tokens", "4",
            "--classifier", f"guard:{guard}", "--classifier", "profanity-check",
            "--guard-family", "llama-guard", "--resamples", "30",
            "--output", str(out), "--metrics", str(metrics),
        ]
    )  # fmt: skip
    assert code == 0
    section = json.loads(metrics.read_text())
    _check_section(section, guard)
    # The tiny guard scores in (0, 1); profanity-check scores every non-empty text.
    guard_cells = section["classifiers"][0]["metrics"]
    assert all(c["n_continuations"] == 6 for c in guard_cells)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 24
    for record in records:
        guard_verdict, profanity = record["by_classifier"]
        assert guard_verdict["classifier"] == f"guard:{guard}"
        assert profanity["classifier"] == "profanity-check"
        # The record's own fields are the headline's, categories kept per classifier.
        assert record["toxicity"] == guard_verdict["toxicity"]
        assert record["categories"] == guard_verdict["categories"]
        assert profanity["categories"] is None
        assert set(profanity["scores"] or {"profanity": 0}) == {"profanity"}
    printed = capsys.readouterr().out
    assert "kappa" in printed and "profanity-check" in printed and " vs " in printed
    # The intervals draw prompts (3 continuations each), as from the records with their
    # prompt indices.
    cells = []
    for group, label in sorted(CELLS):
        mine = [r for r in records if (r["group"], r["label"]) == (group, label)]
        scores = {
            name: [r["by_classifier"][i]["toxicity"] for r in mine]
            for i, name in enumerate(c["name"] for c in section["classifiers"])
        }
        cells.append(CellScores(group, label, scores, [r["prompt_index"] for r in mine]))
    expected = classifier_agreement(
        cells, confidence=section["confidence"], n_resamples=30, seed=section["seed"]
    )
    assert section["agreement"] == [a.to_dict() for a in expected]


def test_run_generation_stores_and_shows_the_agreement(
    tiny_llama_dir: Path, guard: Path, tmp_path: Path, local_database: str
) -> None:
    from dashboards._audit import audit_view
    from db import get_sessionmaker

    dataset = tmp_path / "small.jsonl"
    sentences = [s for s in sample_sentences() if s.target_groups[0] in ("asian", "women")]
    write_records(dataset, [sentence_record(s) for s in sentences])
    out_dir = tmp_path / "run"
    code = main(
        [
            "run", "--model", str(tiny_llama_dir), "--dataset", str(dataset),
            "--output-dir", str(out_dir), "--resamples", "20", "--store",
            "--generation", "--prompts", "sample", "--groups", "asian,women",
            "--per-group", "2", "--samples", "2", "--temperature", "1.0",
            "--max-new-tokens", "3",
            "--classifier", f"guard:{guard}", "--classifier", "profanity-check",
        ]
    )  # fmt: skip
    assert code == 0
    generation = read_results(out_dir / "results.json").extra["generation"]
    _check_section(generation, guard)
    with get_sessionmaker()() as session:
        view = audit_view(session, 1, group=None, label=None, vs=None, page=1)
        assert view is not None
        tables = view["tables"]
        agreement = tables["agreement"]
        assert {(r["group"], r["label"]) for r in agreement.rows} == CELLS
        assert all(r["classifiers"] == f"guard:{guard} vs profanity-check" for r in agreement.rows)
        expected = {(a["group"], a["label"]): a for a in generation["agreement"]}
        for row in agreement.rows:
            kappa = expected[row["group"], row["label"]]["kappa"]
            assert row["kappa"] == (None if kappa is None else kappa["value"])
        per_classifier = tables["generation_classifiers"]
        assert {r["classifier"] for r in per_classifier.rows} == {
            f"guard:{guard}",
            "profanity-check",
        }
        continuations = tables["continuations"]
        keys = {c.key for c in continuations.columns}
        assert {"toxicity_1", "toxicity_2"} <= keys
        assert all(r["toxicity_1"] == r["toxicity"] for r in continuations.rows)


def test_weighted_score_takes_one_classifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(
        [
            "run", "--model", str(tmp_path / "none"), "--classifier-weighted",
            "--classifier", "profanity-check", "--classifier", "hf:org/m",
        ]
    )  # fmt: skip
    assert code == 2
    assert "--classifier-weighted takes one --classifier" in capsys.readouterr().err


def test_an_option_no_classifier_takes_is_a_usage_error(
    tiny_llama_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(
        [
            "generate", "--model", str(tiny_llama_dir), "--prompts", "sample",
            "--classifier", "profanity-check", "--classifier", "detoxify:original",
            "--guard-policy", "No insults.", "--output", str(tmp_path / "o.jsonl"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "--guard-policy applies to none of the classifiers" in capsys.readouterr().err
