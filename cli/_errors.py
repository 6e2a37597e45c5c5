"""Errors that the CLI reports as one clear line with exit status 2."""

from __future__ import annotations


class UsageError(ValueError):
    """Bad command-line usage."""


class ServiceError(Exception):
    """The audit service could not be reached, refused the request, or answered what is
    not what the contract says (raised by cli._client.ServiceClient, for every command
    that talks to the service)."""


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
