"""Reading and writing evaluation sets: SafeNLP JSON, JSONL and CSV.

Rows are numbered from 1 in error messages, in every format, so that "row 3"
means the third record whether it is an array element, a JSONL line or a CSV
line after the header.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from audit.datasets._errors import DatasetError
from audit.datasets._records import LABELS, Dataset, Label, Sentence

REQUIRED_FIELDS: tuple[str, ...] = ("id", "text", "label", "toxicity_score", "target_groups")
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


def read_raw_records(path: Path) -> list[dict[str, Any]]:
    """Parse a file into plain dicts, without validating the fields."""
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
    missing = [f for f in REQUIRED_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(
            f"CSV header lacks column(s) {', '.join(missing)}", source=source, field=missing[0]
        )
    return [dict(row) for row in reader]


def _parse_groups(value: Any, *, source: str, row: int) -> tuple[str, ...]:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise DatasetError(
                    f"not a JSON list: {exc.msg}", source=source, row=row, field="target_groups"
                ) from exc
        else:
            value = [g for g in stripped.replace("|", ";").split(";")]
    if not isinstance(value, list):
        raise DatasetError(
            f"expected a list of group names, found {type(value).__name__}",
            source=source,
            row=row,
            field="target_groups",
        )
    groups: list[str] = []
    for group in value:
        if not isinstance(group, str) or not group.strip():
            raise DatasetError(
                "group names must be non-empty strings",
                found=group,
                source=source,
                row=row,
                field="target_groups",
            )
        if group.strip() not in groups:
            groups.append(group.strip())
    if not groups:
        raise DatasetError("no target group", source=source, row=row, field="target_groups")
    return tuple(groups)


def _parse_number(value: Any, *, source: str, row: int, field: str) -> float:
    if isinstance(value, bool):
        raise DatasetError("expected a number", source=source, row=row, field=field, found=value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError as exc:
            raise DatasetError(
                "expected a number", source=source, row=row, field=field, found=value
            ) from exc
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise DatasetError(
            "expected a finite number", source=source, row=row, field=field, found=value
        )
    return float(value)


def _parse_id(value: Any, *, source: str, row: int) -> int:
    if isinstance(value, bool):
        raise DatasetError("expected an integer", source=source, row=row, field="id", found=value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise DatasetError("expected an integer", source=source, row=row, field="id", found=value)


def parse_sentence(record: Mapping[str, Any], *, source: str, row: int) -> Sentence:
    """Validate one raw record into a Sentence, naming the row and field on error."""
    for field in REQUIRED_FIELDS:
        if field not in record or record[field] is None:
            raise DatasetError("missing field", source=source, row=row, field=field)
    text = record["text"]
    if not isinstance(text, str):
        raise DatasetError(
            f"expected a string, found {type(text).__name__}", source=source, row=row, field="text"
        )
    if not text.strip():
        raise DatasetError("empty text", source=source, row=row, field="text")
    label = record["label"]
    if label not in LABELS:
        raise DatasetError(
            "unknown label {found}; expected 'hate' or 'neutral'",
            found=label,
            source=source,
            row=row,
            field="label",
        )
    toxicity = _parse_number(
        record["toxicity_score"], source=source, row=row, field="toxicity_score"
    )
    if not 1.0 <= toxicity <= 5.0:
        raise DatasetError(
            f"toxicity_score {toxicity:g} is outside [1, 5]",
            source=source,
            row=row,
            field="toxicity_score",
        )
    return Sentence(
        id=_parse_id(record["id"], source=source, row=row),
        text=text,
        label=cast(Label, label),
        toxicity_score=toxicity,
        target_groups=_parse_groups(record["target_groups"], source=source, row=row),
    )


def parse_sentences(records: Iterable[Mapping[str, Any]], *, source: str) -> list[Sentence]:
    """Validate raw records; ids must be unique."""
    sentences: list[Sentence] = []
    seen: dict[int, int] = {}
    for row, record in enumerate(records, start=1):
        sentence = parse_sentence(record, source=source, row=row)
        if sentence.id in seen:
            raise DatasetError(
                f"duplicate id {sentence.id} (first used on row {seen[sentence.id]})",
                source=source,
                row=row,
                field="id",
            )
        seen[sentence.id] = row
        sentences.append(sentence)
    if not sentences:
        raise DatasetError("no records", source=source)
    return sentences


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_dataset(path: Path, *, name: str | None = None) -> Dataset:
    """Read and validate an evaluation set file in any supported format."""
    sentences = parse_sentences(read_raw_records(path), source=str(path))
    return Dataset(
        name=name or str(path),
        sentences=tuple(sentences),
        sha256=file_sha256(path),
        source=str(path),
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
