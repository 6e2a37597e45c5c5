"""Errors that the CLI reports as one clear line with exit status 2."""

from __future__ import annotations

import client


class UsageError(ValueError):
    """Bad command-line usage."""


ServiceError = client.ServiceError
"""The service client's one error (client.ServiceError), a user error here."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions caused by the user's input, reported without a traceback."""
    from audit.classifiers import ClassifierError
    from audit.datasets import DatasetError
    from audit.gate import GateInputError
    from audit.generation import GenerationOptionsError
    from audit.integrations import TrackerError
    from audit.models import ModelLoadError
    from audit.results import ResultsError
    from audit.sweep import SweepSourceError
    from reports import ReportError

    return (
        UsageError,
        DatasetError,
        ModelLoadError,
        ResultsError,
        FileNotFoundError,
        GateInputError,
        ServiceError,
        ClassifierError,
        GenerationOptionsError,
        TrackerError,
        ReportError,
        SweepSourceError,
    )
