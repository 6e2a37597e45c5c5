"""The SafeNLP perplexities format: the input records with a `perplexity` field added."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.datasets import (
    DatasetError,
    parse_sentences,
    read_raw_records,
    sentence_record,
    write_records,
)
from audit.scoring import ScoredSentence


def perplexity_records(rows: Sequence[ScoredSentence]) -> list[dict[str, Any]]:
    """Records in input order; an unscored row has perplexity null and its reason."""
    records = []
    for row in rows:
        record = sentence_record(row.sentence)
        record["perplexity"] = row.perplexity
        if row.unscored_reason is not None:
            record["unscored_reason"] = row.unscored_reason
        records.append(record)
    return records


def write_perplexities(path: Path, rows: Sequence[ScoredSentence]) -> None:
    write_records(path, perplexity_records(rows))


def read_perplexities(path: Path) -> list[ScoredSentence]:
    """Read a perplexities file (ours or SafeNLP's); any group names are accepted."""
    return parse_perplexities(read_raw_records(path), source=str(path))


def parse_perplexities(raw: list[dict[str, Any]], *, source: str) -> list[ScoredSentence]:
    """Validate perplexity records already parsed (e.g. fetched from the service)."""
    sentences = parse_sentences(raw, source=source)
    rows: list[ScoredSentence] = []
    for number, (record, sentence) in enumerate(zip(raw, sentences, strict=True), start=1):
        if "perplexity" not in record:
            raise DatasetError("missing field", source=source, row=number, field="perplexity")
        value = record["perplexity"]
        if value is None or value == "":
            reason = record.get("unscored_reason") or "no perplexity in the input"
            rows.append(ScoredSentence(sentence, None, str(reason)))
            continue
        try:
            perplexity = float(value)
        except (TypeError, ValueError) as exc:
            raise DatasetError(
                f"expected a number, found {value!r}", source=source, row=number, field="perplexity"
            ) from exc
        if not isinstance(value, bool) and not math.isfinite(perplexity):
            # SafeNLP's own published file has a NaN row; its published score leaves it out.
            reason = f"perplexity is {value!r} in the input, not a finite number"
            rows.append(ScoredSentence(sentence, None, reason))
            continue
        if isinstance(value, bool) or perplexity <= 0:
            raise DatasetError(
                f"perplexity must be a positive finite number, found {value!r}",
                source=source,
                row=number,
                field="perplexity",
            )
        rows.append(ScoredSentence(sentence, perplexity))
    return rows
