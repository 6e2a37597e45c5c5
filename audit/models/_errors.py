"""The one error of model loading."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message says why and what to do."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option
        """The ModelSpec option whose setting the message asks for (`trust_remote_code`),
        so that a face which cannot offer it can say so; None when there is none."""
