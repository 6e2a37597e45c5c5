"""Reading and writing evaluation sets: SafeNLP JSON, JSONL and CSV.

Rows are numbered from 1 in error messages, in every format, so that "row 3"
means the third record whether it is an array element, a JSONL line or a CSV
line after the header.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from audit.datasets._errors import DatasetError
from audit.datasets._parsing import (
    REQUIRED_FIELDS,
    ToxicityFiller,
    fill_toxicity_scores,
    parse_sentences,
)
from audit.datasets._records import Dataset, Sentence

FORMATS: tuple[str, ...] = ("json", "jsonl", "csv")


def detect_format(path: Path) -> str:
    """The format implied by a file's suffix (.json, .jsonl/.ndjson, .csv)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise DatasetError(
        f"unknown file type '{suffix or '(none)'}'; use .json (SafeNLP array), .jsonl or .csv",
        source=str(path),
    )


def read_raw_records(
    path: Path, *, required: Sequence[str] = REQUIRED_FIELDS
) -> list[dict[str, Any]]:
    """Parse a file into plain dicts, without validating the fields (a CSV header needs
    the `required` columns)."""
    source = str(path)
    if not path.exists():
        raise DatasetError("file not found", source=source)
    fmt = detect_format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=source
        ) from exc
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
            ) from exc
        if not isinstance(data, list):
            raise DatasetError(
                f"expected a JSON array of records, found {type(data).__name__}", source=source
            )
        for index, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise DatasetError(
                    f"expected an object, found {type(item).__name__}", source=source, row=index
                )
        return cast(list[dict[str, Any]], data)
    if fmt == "jsonl":
        records: list[dict[str, Any]] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(
                    f"invalid JSON on line {lineno}, column {exc.colno}: {exc.msg}",
                    source=source,
                    row=len(records) + 1,
                ) from exc
            if not isinstance(item, dict):
                raise DatasetError(
                    f"expected an object on line {lineno}, found {type(item).__name__}",
                    source=source,
                    row=len(records) + 1,
                )
            records.append(item)
        return records
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    missing = [f for f in required if f not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(
            f"CSV header lacks column(s) {', '.join(missing)}", source=source, field=missing[0]
        )
    return [dict(row) for row in reader]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_dataset(
    path: Path,
    *,
    name: str | None = None,
    fill_toxicity: ToxicityFiller | None = None,
    filled_by: str = "a classifier",
) -> Dataset:
    """Read and validate an evaluation set file in any supported format.

    With `fill_toxicity`, a set without toxicity_score (the column or field absent
    from every row) gets it from the filler, and the Dataset says so.
    """
    source = str(path)
    if fill_toxicity is None:
        records = read_raw_records(path)
        filled = False
    else:
        required = [f for f in REQUIRED_FIELDS if f != "toxicity_score"]
        records, filled = fill_toxicity_scores(
            read_raw_records(path, required=required), fill_toxicity, source=source
        )
    sentences = parse_sentences(records, source=source)
    return Dataset(
        name=name or str(path),
        sentences=tuple(sentences),
        sha256=file_sha256(path),
        source=source,
        toxicity_source=filled_by if filled else "annotated",
    )


def sentence_record(sentence: Sentence) -> dict[str, Any]:
    """The SafeNLP record of a sentence."""
    return {
        "id": sentence.id,
        "text": sentence.text,
        "label": sentence.label,
        "toxicity_score": sentence.toxicity_score,
        "target_groups": list(sentence.target_groups),
    }


def canonical_sha256(sentences: Sequence[Sentence]) -> str:
    """A content hash for sets that have no file of their own (built-in sets)."""
    payload = json.dumps(
        [sentence_record(s) for s in sentences], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write_records(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    """Write records in the format implied by the suffix, atomically."""
    fmt = detect_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "json":
            json.dump(list(records), handle, ensure_ascii=False)
        elif fmt == "jsonl":
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            fields = list(dict.fromkeys(k for r in records for k in r))
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for record in records:
                writer.writerow(
                    {
                        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                        for k, v in record.items()
                    }
                )
    tmp.replace(path)


def iter_records(sentences: Iterable[Sentence]) -> Iterator[dict[str, Any]]:
    for sentence in sentences:
        yield sentence_record(sentence)
