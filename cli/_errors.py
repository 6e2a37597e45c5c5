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


def flag_of(option: str) -> str:
    """The command line's flag for a library option: its name with dashes (`lm_head` is
    --lm-head), but `n_resamples` is --resamples."""
    return "--resamples" if option == "n_resamples" else "--" + option.replace("_", "-")


def error_line(exc: BaseException) -> str:
    """A user error as the command line says it: the library names a classifier or model
    option as a request does (`guard_policy`, `lm_head`); here it is the flag that sets
    it (`--guard-policy`, `--lm-head`)."""
    from dataclasses import fields

    from audit.classifiers import CLASSIFIER_OPTIONS, ClassifierError
    from audit.generation import GenerationOptionsError
    from audit.models import ModelLoadError, ModelSpec

    message = str(exc)
    if not isinstance(exc, ClassifierError | GenerationOptionsError | ModelLoadError):
        return message
    # Only names with an underscore: a plain word (`device`) is also ordinary English.
    model_options = [f.name for f in fields(ModelSpec) if "_" in f.name]
    names = "|".join(sorted([*CLASSIFIER_OPTIONS, *model_options], key=len, reverse=True))
    return re.sub(rf"\b({names})\b", lambda m: flag_of(m.group(1)), message)
