"""Errors for evaluation sets that cannot be read or validated."""

from __future__ import annotations

_NOTHING = object()


class DatasetError(ValueError):
    """Bad input in an evaluation set; the message names the file, row and field."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        row: int | None = None,
        field: str | None = None,
        found: object = _NOTHING,
    ) -> None:
        self.source = source
        self.row = row
        self.field = field
        where = source
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        # The offending value is file content: the command line shows it, the service
        # never does (its errors can be read by anyone who can read an audit).
        # A message may place the value with "{found}"; otherwise it is appended.
        self.public_message = f"{where}: " + message.replace("{found}", "(value not shown)")
        """The message without anything read from the file: what the service shows."""
        if found is not _NOTHING:
            if "{found}" in message:
                message = message.replace("{found}", repr(found))
            else:
                message += f", found {found!r}"
        super().__init__(f"{where}: {message}")
