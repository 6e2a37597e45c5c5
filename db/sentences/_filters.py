"""Filters and decoders shared by the queries over data-set rows."""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, String, cast

from db._models import DatasetRow


def group_contains(group: str) -> ColumnElement[bool]:
    """Rows whose target groups name `group` exactly."""
    # The JSON column is plain JSON on both backends (no JSONB containment), so match the
    # serialised element, quotes included: '"black"' never matches inside '"black women"'.
    return cast(DatasetRow.target_groups, String).contains(json.dumps(group), autoescape=True)


# A data-set row without its text; the group list as JSON text, for GroupLists.
ROW_FIELDS = (
    DatasetRow.row,
    DatasetRow.sentence_id,
    DatasetRow.label,
    DatasetRow.toxicity_score,
    cast(DatasetRow.target_groups, String),
)


class GroupLists:
    """Target-group lists, which come back as JSON text, decoded once per distinct list.

    A data set has a few dozen distinct lists; decoding 6,514 JSON values per audit was
    most of the time of a paired comparison.
    """

    def __init__(self) -> None:
        self._decoded: dict[str | None, tuple[str, ...]] = {}

    def __call__(self, text: str | None) -> tuple[str, ...]:
        names = self._decoded.get(text)
        if names is None:
            names = self._decoded[text] = tuple(json.loads(text)) if text else ()
        return names
