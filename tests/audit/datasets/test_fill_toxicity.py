"""Sets without toxicity_score: refused for the plain score, filled in by a classifier."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from audit.datasets import DatasetError, load_dataset, sample_sentences, sentence_record


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _unannotated(n: int = 6) -> list[dict[str, object]]:
    records = []
    for sentence in sample_sentences()[:n]:
        record = sentence_record(sentence)
        del record["toxicity_score"]
        records.append(record)
    return records


def _by_length(texts: Sequence[str]) -> list[float | str]:
    return [1.0 + 4.0 * (len(t) % 10) / 10 for t in texts]


def test_the_plain_score_still_requires_the_field(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "bare.jsonl", _unannotated())
    with pytest.raises(DatasetError) as caught:
        load_dataset(str(path))
    assert caught.value.row == 1 and caught.value.field == "toxicity_score"
    message = str(caught.value)
    assert str(path) in message and "--classifier-weighted" in message


def test_a_set_without_the_field_is_filled_in(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "bare.jsonl", _unannotated())
    dataset = load_dataset(str(path), fill_toxicity=_by_length, filled_by="classifier test")
    assert dataset.toxicity_source == "classifier test"
    assert [s.toxicity_score for s in dataset.sentences] == _by_length(
        [s.text for s in dataset.sentences]
    )
    assert [s.text for s in dataset.sentences] == [s.text for s in sample_sentences()[:6]]


def test_an_annotated_set_is_left_as_it_is(tmp_path: Path) -> None:
    records = [sentence_record(s) for s in sample_sentences()[:4]]
    path = _write_jsonl(tmp_path / "full.jsonl", records)

    def never(texts: Sequence[str]) -> list[float | str]:
        raise AssertionError("an annotated set needs no classifier")

    dataset = load_dataset(str(path), fill_toxicity=never)
    assert dataset.toxicity_source == "annotated"
    assert [s.toxicity_score for s in dataset.sentences] == [r["toxicity_score"] for r in records]


def test_a_csv_without_the_column_is_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text(
        "id,text,label,target_groups\n"
        '1,people live in towns,neutral,"[""women""]"\n'
        "2,they are all the same,hate,women\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match="lacks column"):
        load_dataset(str(path))
    dataset = load_dataset(str(path), fill_toxicity=_by_length)
    assert [s.toxicity_score for s in dataset.sentences] == _by_length(
        ["people live in towns", "they are all the same"]
    )


def test_mixed_sets_and_unscorable_rows_are_errors(tmp_path: Path) -> None:
    records = _unannotated(4)
    records[0]["toxicity_score"] = 2.0
    mixed = _write_jsonl(tmp_path / "mixed.jsonl", records)
    with pytest.raises(DatasetError, match="other row") as caught:
        load_dataset(str(mixed), fill_toxicity=_by_length)
    assert (caught.value.row, caught.value.field) == (2, "toxicity_score")

    def fails_on_third(texts: Sequence[str]) -> list[float | str]:
        return [2.0, 3.0, "classifier failed on this text: boom", 1.0]

    bare = _write_jsonl(tmp_path / "bare.jsonl", _unannotated(4))
    with pytest.raises(DatasetError, match="could not fill it in: classifier failed") as caught:
        load_dataset(str(bare), fill_toxicity=fails_on_third)
    assert (caught.value.row, caught.value.field) == (3, "toxicity_score")
    # A filled-in score outside [1, 5] is refused like an annotated one.
    with pytest.raises(DatasetError, match="outside"):
        load_dataset(str(bare), fill_toxicity=lambda texts: [9.0] * len(texts))
    empty_text = _unannotated(2)
    empty_text[1]["text"] = " "
    with pytest.raises(DatasetError, match="empty text") as caught:
        load_dataset(str(_write_jsonl(tmp_path / "e.jsonl", empty_text)), fill_toxicity=_by_length)
    assert caught.value.row == 2
