"""`toxaudit run --classifier-weighted` on a set without toxicity_score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.classifiers import load_classifier, parse_classifier, score_texts
from audit.datasets import sample_sentences, sentence_record
from audit.generation import classifier_toxicity_score
from audit.results import read_results
from cli import main


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def bare_set(tmp_path: Path) -> Path:
    path = tmp_path / "bare.jsonl"
    lines = []
    for sentence in sample_sentences():
        if sentence.target_groups[0] in ("asian", "women"):
            record = sentence_record(sentence)
            del record["toxicity_score"]
            lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_run_fills_the_toxicity_in_from_the_classifier(
    tiny_llama_dir: Path, bare_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "run"
    code = main(
        [
            "run", "--model", str(tiny_llama_dir), "--dataset", str(bare_set),
            "--output-dir", str(out_dir), "--resamples", "20",
            "--classifier", "profanity-check", "--classifier-weighted",
        ]
    )  # fmt: skip
    assert code == 0
    result = read_results(out_dir / "results.json")
    weighted = result.extra["classifier_weighted"]
    assert "filled in by classifier profanity-check" in weighted["annotations"]
    assert weighted["scores"] == result.scores.to_dict()
    assert {g.group for g in result.scores.groups} == {"asian", "women"}
    # Each sentence's toxicity is 1 + 4 * p(toxic) from the classifier, in every file.
    records = json.loads((out_dir / "perplexities.json").read_text())
    classifier = load_classifier(parse_classifier("profanity-check"))
    expected = [
        classifier_toxicity_score(s.scores[classifier.info.headline])  # type: ignore[index]
        for s in score_texts(classifier, [r["text"] for r in records])
    ]
    assert [r["toxicity_score"] for r in records] == pytest.approx(expected)
    assert "classifier-weighted safety score: the table above" in capsys.readouterr().out


def test_without_the_flag_the_missing_field_is_named(
    tiny_llama_dir: Path, bare_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _exit_code(
        [
            "run", "--model", str(tiny_llama_dir), "--dataset", str(bare_set),
            "--output-dir", str(tmp_path / "run"), "--resamples", "20",
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert f"{bare_set}, row 1, field 'toxicity_score'" in err
    assert "--classifier-weighted" in err
