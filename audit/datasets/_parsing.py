"""Checking evaluation-set records field by field into Sentences (every format's rows).

Rows are numbered from 1 in error messages, in every format.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from audit.datasets._errors import DatasetError
from audit.datasets._records import LABELS, Label, Sentence

REQUIRED_FIELDS: tuple[str, ...] = ("id", "text", "label", "toxicity_score", "target_groups")

ToxicityFiller = Callable[[Sequence[str]], Sequence[float | str]]
"""For a set without toxicity_score: each text's score in [1, 5], or (a string) why it has none."""


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
            hint = (
                " (a set without toxicity scores can be scored only by `toxaudit run "
                "--classifier-weighted`, which fills them in from the classifier)"
                if field == "toxicity_score"
                else ""
            )
            raise DatasetError("missing field" + hint, source=source, row=row, field=field)
    text = _parse_text(record, source=source, row=row)
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


def _parse_text(record: Mapping[str, Any], *, source: str, row: int) -> str:
    if "text" not in record or record["text"] is None:
        raise DatasetError("missing field", source=source, row=row, field="text")
    text = record["text"]
    if not isinstance(text, str):
        raise DatasetError(
            f"expected a string, found {type(text).__name__}", source=source, row=row, field="text"
        )
    if not text.strip():
        raise DatasetError("empty text", source=source, row=row, field="text")
    return text


def _lacks_toxicity(record: Mapping[str, Any]) -> bool:
    value = record.get("toxicity_score")
    return value is None or (isinstance(value, str) and not value.strip())


def fill_toxicity_scores(
    records: Sequence[Mapping[str, Any]], fill: ToxicityFiller, *, source: str
) -> tuple[list[dict[str, Any]], bool]:
    """(records, filled): a set where no row has toxicity_score gets it from `fill`.

    A set whose rows all carry it is returned as it is (filled False). A set where
    only some rows carry it is an error at the first row without: mixing annotated
    and classifier scores would make a score that is neither.
    """
    lacking = [row for row, record in enumerate(records, start=1) if _lacks_toxicity(record)]
    if not lacking:
        return [dict(r) for r in records], False
    if len(lacking) < len(records):
        raise DatasetError(
            f"missing field, while {len(records) - len(lacking)} other row(s) carry it; "
            "toxicity scores are filled in from the classifier only for a set without any",
            source=source,
            row=lacking[0],
            field="toxicity_score",
        )
    texts = [_parse_text(record, source=source, row=row) for row, record in enumerate(records, 1)]
    values = fill(texts)
    if len(values) != len(texts):
        raise ValueError(f"the toxicity filler gave {len(values)} values for {len(texts)} texts")
    out = []
    for row, (record, value) in enumerate(zip(records, values, strict=True), start=1):
        if isinstance(value, str):
            raise DatasetError(
                f"missing field, and the classifier could not fill it in: {value}",
                source=source,
                row=row,
                field="toxicity_score",
            )
        out.append({**record, "toxicity_score": value})
    return out, True


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
