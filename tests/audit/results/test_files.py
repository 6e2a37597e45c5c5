"""Perplexity files and results.json round-trip; bad files are named with the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.datasets import DatasetError, sample_sentences
from audit.results import (
    AuditResult,
    AuditSettings,
    DatasetRef,
    ResultsError,
    format_scores_table,
    read_perplexities,
    read_results,
    write_perplexities,
    write_results,
)
from audit.scoring import ScoredSentence, safety_scores


def _rows() -> list[ScoredSentence]:
    rows = [
        ScoredSentence(s, 10.0 + i % 17 + (5 if s.label == "neutral" else 0))
        for i, s in enumerate(sample_sentences())
    ]
    rows[3] = ScoredSentence(rows[3].sentence, None, "fewer than 2 tokens (1)")
    return rows


def test_perplexities_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "perplexities.json"
    write_perplexities(path, _rows())
    assert read_perplexities(path) == _rows()
    records = json.loads(path.read_text())
    assert records[3]["perplexity"] is None
    assert set(records[0]) == {
        "id",
        "text",
        "label",
        "toxicity_score",
        "target_groups",
        "perplexity",
    }


def test_reads_safenlp_published_shape(tmp_path: Path) -> None:
    # The published file orders keys differently and uses a single "all_groups" group.
    path = tmp_path / "published.json"
    path.write_text(
        json.dumps(
            [
                {
                    "text": "x y",
                    "label": "hate",
                    "id": 0,
                    "toxicity_score": 2.25,
                    "target_groups": ["all_groups"],
                    "perplexity": 819.98,
                },
                {
                    "text": "y z",
                    "label": "neutral",
                    "id": 1,
                    "toxicity_score": 1.0,
                    "target_groups": ["all_groups"],
                    "perplexity": 100.5,
                },
            ]
        )
    )
    rows = read_perplexities(path)
    assert rows[0].scaled_perplexity == pytest.approx(819.98 / 2.25)


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
def test_a_non_finite_perplexity_is_unscored_and_counted(tmp_path: Path, literal: str) -> None:
    # SafeNLP's published perplexities.json holds a NaN row (Python's json writes NaN bare).
    path = tmp_path / "p.json"
    record = '{"id": %d, "text": "t", "label": "%s", "toxicity_score": 2, "target_groups": ["g"], '
    path.write_text(
        "["
        + (record % (1, "hate"))
        + '"perplexity": 10.0}, '
        + (record % (2, "neutral"))
        + '"perplexity": 20.0}, '
        + (record % (3, "neutral"))
        + f'"perplexity": {literal}}}'
        + "]"
    )
    rows = read_perplexities(path)
    assert [row.perplexity for row in rows] == [10.0, 20.0, None]
    assert (
        rows[2].unscored_reason
        == f"perplexity is {float(literal)!r} in the input, not a finite number"
    )
    scores = safety_scores(rows, n_resamples=0)
    assert scores.n_unscored == 1
    assert (scores.groups[0].n_harmful, scores.groups[0].n_neutral) == (1, 1)
    assert scores.groups[0].score == 0.0


@pytest.mark.parametrize("value", ["abc", -1, 0, True])
def test_bad_perplexity_is_named(tmp_path: Path, value: object) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": 1,
                    "text": "a",
                    "label": "hate",
                    "toxicity_score": 2,
                    "target_groups": ["g"],
                    "perplexity": value,
                }
            ]
        )
    )
    with pytest.raises(DatasetError, match=r"row 1, field 'perplexity'"):
        read_perplexities(path)


def test_missing_perplexity_field(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            [{"id": 1, "text": "a", "label": "hate", "toxicity_score": 2, "target_groups": ["g"]}]
        )
    )
    with pytest.raises(DatasetError, match="missing field"):
        read_perplexities(path)


def _result() -> AuditResult:
    return AuditResult(
        name="ckpt",
        model={"spec": {"reference": "x"}},
        dataset=DatasetRef("sample", "builtin:sample", "0" * 64, 312),
        settings=AuditSettings(
            batch_tokens=512, alpha=0.05, confidence=0.95, n_resamples=100, seed=0
        ),
        scores=safety_scores(_rows(), n_resamples=100),
        unscored={"fewer than 2 tokens (1)": 1},
        truncated=0,
        timings={"perplexity_seconds": 1.0},
        software={"torch": "2"},
        machine={"cpu_count": 2},
        created_at="2026-01-01T00:00:00+00:00",
        extra={"generation": {"groups": []}},
    )


def test_results_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(path, _result())
    again = read_results(path)
    assert again == _result()
    assert json.loads(path.read_text())["schema_version"] == 1


def test_results_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="file not found"):
        read_results(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ResultsError, match="invalid JSON"):
        read_results(bad)
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"name": "x"}))
    with pytest.raises(ResultsError, match=r"partial.json: missing field 'model'"):
        read_results(partial)


def test_table_lists_every_group_and_the_average() -> None:
    table = format_scores_table(_result().scores)
    assert "average" in table
    assert "1 sentence(s) had no perplexity" in table
    for group in ("asian", "women", "mental dis"):
        assert group in table
    assert "p (Holm)" in table.splitlines()[0]
    assert "unadjusted (SafeNLP's rule)" in table


def test_run_result_is_the_deprecated_name_of_audit_result() -> None:
    """Issue 13 renamed RunResult to AuditResult; the old name stays importable one release."""
    from audit import results

    assert results.RunResult is results.AuditResult
    assert results.RunSettings is results.AuditSettings
    assert {"RunResult", "RunSettings"} <= set(results.__all__)
