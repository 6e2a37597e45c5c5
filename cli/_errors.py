"""Errors that the CLI reports as one clear line with exit status 2."""

from __future__ import annotations

import re

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


def error_line(exc: BaseException) -> str:
    """A user error as the command line says it: the library names a classifier option
    as a request does (`guard_policy`); here it is the flag that sets it."""
    from audit.classifiers import CLASSIFIER_OPTIONS, ClassifierError
    from audit.generation import GenerationOptionsError

    message = str(exc)
    if not isinstance(exc, ClassifierError | GenerationOptionsError):
        return message
    names = "|".join(sorted(CLASSIFIER_OPTIONS, key=len, reverse=True))
    return re.sub(rf"\b({names})\b", lambda m: "--" + m.group(1).replace("_", "-"), message)
