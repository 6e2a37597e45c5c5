"""Tables: what the page shows and what the downloads contain agree."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from dashboards._tables import Column, Table, format_cell, key_value_table, table_csv, table_json

TABLE = Table(
    "t",
    "T",
    (
        Column("name", "Name"),
        Column("score", "Score", "number", digits=2),
        Column("shown", "Shown only", export=False),
        Column("groups", "Groups", "list"),
        Column("when", "When", "datetime"),
    ),
    [
        {
            "name": 'a, "quoted"',
            "score": 0.123456,
            "shown": "x",
            "groups": ["asian", "women"],
            "when": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            "_href": {"name": "/x"},
        },
        {"name": "b", "score": float("nan"), "shown": "y", "groups": [], "when": None},
    ],
)


def test_csv_keeps_full_precision_and_drops_display_columns() -> None:
    rows = list(csv.DictReader(io.StringIO(table_csv(TABLE))))
    assert list(rows[0]) == ["name", "score", "groups", "when"]
    assert rows[0]["name"] == 'a, "quoted"'
    assert float(rows[0]["score"]) == 0.123456
    assert rows[0]["groups"] == "asian; women"
    assert rows[0]["when"] == "2026-01-02T03:04:00+00:00"
    assert rows[1]["score"] == ""


def test_json_rows_are_plain_values() -> None:
    data = json.loads(table_json(TABLE))
    assert data["table"] == "t"
    assert [c["key"] for c in data["columns"]] == ["name", "score", "groups", "when"]
    assert data["rows"][0]["groups"] == ["asian", "women"]
    assert data["rows"][1]["score"] is None
    assert "_href" not in data["rows"][0]


def test_cells_are_formatted_for_reading() -> None:
    assert format_cell(0.123456, Column("s", "S", "number", digits=2)) == "0.12"
    assert format_cell(0.25, Column("p", "P", "percent", digits=3)) == "25.0%"
    assert format_cell(12345, Column("n", "N", "int")) == "12,345"
    assert format_cell(None, Column("n", "N", "int")) == "–"
    assert format_cell(True, Column("b", "B", "bool")) == "yes"


def test_key_value_table_serialises_nested_values() -> None:
    table = key_value_table("s", "S", {"b": {"x": 1}, "a": 2})
    assert [r["key"] for r in table.rows] == ["a", "b"]
    assert table.rows[1]["value"] == '{"x": 1}'
