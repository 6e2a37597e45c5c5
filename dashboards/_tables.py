"""Tables as data: one object drives the HTML table and its CSV and JSON downloads.

Keeping display and export on the same rows means a download can never disagree with
what the page shows; keys starting with "_" carry presentation only (links, classes)
and never reach a download.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from markupsafe import Markup, escape

ColumnKind = Literal[
    "text", "number", "int", "percent", "datetime", "bool", "offensive", "list", "interval"
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table."""

    key: str
    """Key of the value in each row (and the CSV/JSON field name)."""
    title: str
    """Header shown on the page."""
    kind: ColumnKind = "text"
    """How the value is shown; "offensive" text is collapsed behind a click."""
    digits: int = 3
    """Decimals shown for numbers (downloads keep full precision)."""
    sortable: bool = True
    """Whether the header sorts the rows in the browser."""
    show: bool = True
    """Shown on the page (some columns exist for downloads only)."""
    export: bool = True
    """Written to downloads (some columns only format others for reading)."""


@dataclass(frozen=True, slots=True)
class Table:
    """A named table of rows (dicts keyed by column key)."""

    name: str
    """Identifier, unique on its page; also the download's file name stem."""
    title: str
    """Heading shown above the table."""
    columns: tuple[Column, ...]
    """Columns in display order."""
    rows: list[dict[str, Any]] = field(default_factory=list)
    """The rows; "_href" maps a column key to a link, "_class" styles the row."""
    note: str | None = None
    """Explanation shown under the heading."""
    total: int | None = None
    """Rows matching over all pages, when the table shows one page."""


def _plain(value: Any) -> Any:
    # Plain scalars first: a full download converts tens of thousands of cells.
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def export_rows(table: Table) -> list[dict[str, Any]]:
    """The rows as plain JSON values, columns in order, presentation keys dropped."""
    columns = [c for c in table.columns if c.export]
    return [{c.key: _plain(row.get(c.key)) for c in columns} for row in table.rows]


def table_json(table: Table) -> str:
    return json.dumps(
        {
            "table": table.name,
            "columns": [{"key": c.key, "title": c.title} for c in table.columns if c.export],
            "rows": export_rows(table),
        },
        indent=1,
        ensure_ascii=False,
    )


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection)."""


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell a spreadsheet opens as data, never as a formula.

    Text starting with = + - @, tab or carriage return gets a leading single quote, the
    OWASP recommendation (the writer quotes every text cell). Only text is neutralised:
    numbers come from the service's own arithmetic (a safety difference of -0.02 is a
    number, and a spreadsheet should sum it), never from a user.
    """
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text.startswith(FORMULA_PREFIXES) else text
    return value


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    # QUOTE_NONNUMERIC: every text cell is quoted, numbers are not (OWASP's advice, and a
    # spreadsheet keeps reading numbers as numbers).
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([c.key for c in table.columns if c.export])
    for row in export_rows(table):
        writer.writerow([csv_cell(value) for value in row.values()])
    return buffer.getvalue()


def format_cell(value: Any, column: Column) -> str:
    """The text shown in a cell; empty values show as an en dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if column.kind == "number" and isinstance(value, int | float):
        return f"{value:.{column.digits}f}"
    if column.kind == "percent" and isinstance(value, int | float):
        return f"{100 * value:.{max(column.digits - 2, 0)}f}%"
    if column.kind == "int" and isinstance(value, int | float):
        return f"{int(value):,}"
    if column.kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if column.kind == "bool":
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value))
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def sort_key(value: Any) -> str:
    """A machine-sortable form of a cell for the browser's column sort."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float) and math.isfinite(value):
        return repr(float(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else format_cell(value, Column("", ""))


def key_value_table(
    name: str, title: str, values: dict[str, Any], note: str | None = None
) -> Table:
    """A two-column table of settings-like values (nested values as JSON)."""
    rows = [
        {
            "key": key,
            "value": json.dumps(_plain(value), ensure_ascii=False)
            if isinstance(value, dict | list | tuple)
            else _plain(value),
        }
        for key, value in sorted(values.items())
    ]
    return Table(
        name,
        title,
        (Column("key", "Name"), Column("value", "Value", sortable=False)),
        rows,
        note,
    )


def _cell_html(row: dict[str, Any], column: Column) -> str:
    value = row.get(column.key)
    if column.key == "select":
        audit = row.get("_select")
        if not audit:
            return ""
        label = escape(row.get("label", ""))
        return f'<input type="checkbox" name="audit" value="{int(audit)}" aria-label="compare {label}">'
    if column.key == "progress":
        progress = row.get("_progress")
        if not progress:
            return ""
        done, total = int(progress["done"]), int(progress["total"])
        return (
            f'<span class="progress" data-progress-audit="{int(progress["audit_id"])}">'
            f'<progress max="{total or 1}" value="{done}"></progress> '
            f'<span class="progress-text">{done} / {total or "?"}</span></span>'
        )
    if column.kind == "offensive":
        if not value:
            return "–"
        return (
            "<details><summary>show text</summary>"
            f'<span class="offensive-text">{escape(value)}</span></details>'
        )
    text = escape(format_cell(value, column))
    href = row.get("_href", {}).get(column.key)
    if href:
        return f'<a href="{escape(href)}">{text}</a>'
    return str(text)


def render_rows(table: Table) -> Markup:
    """The table's body rows as HTML.

    Built here rather than in a template loop: a 100-checkpoint trend has thousands of
    cells, and per-cell template calls alone would cost most of the page's time budget.
    """
    columns = [c for c in table.columns if c.show]
    if not table.rows:
        return Markup(f'<tr><td colspan="{len(columns)}" class="empty">Nothing to show.</td></tr>')
    parts: list[str] = []
    for row in table.rows:
        parts.append(f'<tr class="{escape(row.get("_class", ""))}">')
        for column in columns:
            sort = escape(sort_key(row.get(column.key)))
            parts.append(
                f'<td class="kind-{column.kind}" data-sort="{sort}">{_cell_html(row, column)}</td>'
            )
        parts.append("</tr>")
    return Markup("\n".join(parts))
