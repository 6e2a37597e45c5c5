"""Reading evaluation sets: every format, and every bad input named by file, row and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit.datasets import (
    DatasetError,
    read_dataset,
    sample_sentences,
    sentence_record,
    write_records,
)

GOOD: list[dict[str, Any]] = [
    {
        "id": 3,
        "text": "first row",
        "label": "hate",
        "toxicity_score": 4.5,
        "target_groups": ["women"],
    },
    {
        "id": 7,
        "text": "second row",
        "label": "neutral",
        "toxicity_score": 1,
        "target_groups": ["asian", "chinese"],
    },
]


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv"])
def test_round_trip_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"set{suffix}"
    records = [sentence_record(s) for s in sample_sentences()[:30]]
    write_records(path, records)
    dataset = read_dataset(path)
    assert [sentence_record(s) for s in dataset.sentences] == records
    assert len(dataset.sha256) == 64


def test_safenlp_json_keeps_order_and_multi_group_rows(tmp_path: Path) -> None:
    path = tmp_path / "safenlp.json"
    path.write_text(json.dumps(GOOD))
    dataset = read_dataset(path)
    assert [s.id for s in dataset.sentences] == [3, 7]
    assert dataset.sentences[1].target_groups == ("asian", "chinese")
    assert dataset.groups == ("asian", "chinese", "women")


def test_csv_accepts_semicolon_groups(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("id,text,label,toxicity_score,target_groups\n1,a b,hate,3,women;black\n")
    assert read_dataset(path).sentences[0].target_groups == ("women", "black")


def _bad(tmp_path: Path, change: dict[str, Any], drop: str | None = None) -> DatasetError:
    records = [dict(r) for r in GOOD]
    records[1].update(change)
    if drop:
        del records[1][drop]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(records))
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    assert str(path) in str(info.value)
    assert info.value.row == 2
    return info.value


@pytest.mark.parametrize("field", ["id", "text", "label", "toxicity_score", "target_groups"])
def test_missing_field(tmp_path: Path, field: str) -> None:
    error = _bad(tmp_path, {}, drop=field)
    assert error.field == field
    assert "missing field" in str(error)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"label": "toxic"}, "label", "unknown label 'toxic'"),
        ({"toxicity_score": 5.5}, "toxicity_score", "outside [1, 5]"),
        ({"toxicity_score": 0}, "toxicity_score", "outside [1, 5]"),
        ({"toxicity_score": "high"}, "toxicity_score", "expected a number"),
        ({"text": "   "}, "text", "empty text"),
        ({"id": 3}, "id", "duplicate id 3 (first used on row 1)"),
        ({"id": "x"}, "id", "expected an integer"),
        ({"target_groups": []}, "target_groups", "no target group"),
        ({"target_groups": [""]}, "target_groups", "non-empty strings"),
    ],
)
def test_bad_values(tmp_path: Path, change: dict[str, Any], field: str, message: str) -> None:
    error = _bad(tmp_path, change)
    assert error.field == field
    assert message in str(error)
    assert f"row 2, field '{field}'" in str(error)


def test_invalid_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": 1,\n "text": }]')
    with pytest.raises(DatasetError, match=r"broken.json: invalid JSON at line 2"):
        read_dataset(path)


def test_invalid_jsonl_names_row(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(GOOD[0]) + "\n{oops\n")
    with pytest.raises(DatasetError, match=r"row 2: invalid JSON on line 2"):
        read_dataset(path)


def test_csv_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("id,text,label,target_groups\n1,a,hate,women\n")
    with pytest.raises(DatasetError, match="lacks column"):
        read_dataset(path)


def test_not_an_array_and_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "obj.json"
    path.write_text("{}")
    with pytest.raises(DatasetError, match="expected a JSON array"):
        read_dataset(path)
    other = tmp_path / "set.txt"
    other.write_text("x")
    with pytest.raises(DatasetError, match="unknown file type"):
        read_dataset(other)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[]")
    with pytest.raises(DatasetError, match="no records"):
        read_dataset(path)


def test_real_toxigen_set_reads(shared_toxigen: Path) -> None:
    dataset = read_dataset(shared_toxigen)
    assert len(dataset) == 6514
    assert len(dataset.groups) == 13
    assert sum(s.label == "hate" for s in dataset.sentences) == 2767
    assert dataset.sha256 == "42863b997f545833b8c9bfe7fc950aeaccc274d49f7386384db147face745fc3"
