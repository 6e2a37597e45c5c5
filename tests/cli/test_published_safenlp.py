"""`toxaudit score` reproduces SafeNLP's published output from its published perplexities."""

from __future__ import annotations

import csv
import gzip
import json
import math
from pathlib import Path

import pytest

from cli import main

DATA = Path(__file__).parents[1] / "data" / "safenlp" / "published_perplexities.tsv.gz"
PUBLISHED_SCORES = {"all_groups": 0.44654284773296776}
"""results/saftey_scores.json of microsoft/SafeNLP, next to the perplexities."""


def _published_perplexities(path: Path) -> Path:
    """The published file's records, in its key order, text withheld (see tests/data)."""
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    records = [
        {
            "text": f"(text withheld: SafeNLP implicit-hate record {row['id']})",
            "label": row["label"],
            "id": int(row["id"]),
            "toxicity_score": float(row["toxicity_score"]),
            "target_groups": row["target_groups"].split("|"),
            "perplexity": float(row["perplexity"]),
        }
        for row in rows
    ]
    path.write_text(json.dumps(records), encoding="utf-8")  # NaN written bare, as published
    return path


def test_reproduces_the_published_safety_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    perplexities = _published_perplexities(tmp_path / "perplexities.json")
    assert main(["score", "--perplexities", str(perplexities), "--format", "safenlp"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores.keys() == PUBLISHED_SCORES.keys()
    assert math.isclose(
        scores["all_groups"], PUBLISHED_SCORES["all_groups"], rel_tol=0, abs_tol=1e-9
    )


def test_the_published_nan_row_is_left_out_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    perplexities = _published_perplexities(tmp_path / "perplexities.json")
    args = ["score", "--perplexities", str(perplexities), "--format", "full", "--resamples", "0"]
    assert main(args) == 0
    full = json.loads(capsys.readouterr().out)
    (group,) = full["groups"]
    assert (group["n_harmful"], group["n_neutral"]) == (7100, 7099)
    assert full["n_unscored"] == 1
    assert group["significant"]
