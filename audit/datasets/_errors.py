"""Errors for evaluation sets that cannot be read or validated."""

from __future__ import annotations


class DatasetError(ValueError):
    """Bad input in an evaluation set; the message names the file, row and field."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.row = row
        self.field = field
        where = source
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")
