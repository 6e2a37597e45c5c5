"""The one error of model loading."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message says why and what to do."""
