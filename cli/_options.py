"""Argument types and helpers shared by the command modules.

A flag that several commands take is defined here once, so it means the same thing,
with the same type and help, in each of them (issue 13).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cli._errors import UsageError, flag_of

if TYPE_CHECKING:
    from audit.pipeline import EvaluateOptionsError

SEED_HELP = "bootstrap seed (0)"
"""What --seed is in every command: the seed of the bootstrap resamples."""


def positive_int(value: str) -> int:
    """An integer of at least 1; argparse reports anything else with the option's name."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def add_seed_argument(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, default: int | None
) -> None:
    """--seed, the bootstrap seed; None as default lets a command tell "not given"."""
    parser.add_argument("--seed", type=int, default=default, help=SEED_HELP)


def add_token_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--token, the service's bearer token (cli._client.service_token falls back to the env)."""
    parser.add_argument("--token", help="bearer token (default: $TOXAUDIT_TOKEN)")


def add_statistics_arguments(parser: argparse.ArgumentParser) -> None:
    """--alpha, --resamples and --seed: the safety score's test and bootstrap."""
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (0.05)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (1000)")
    add_seed_argument(parser, default=0)


def check_alpha(alpha: float) -> None:
    """--alpha is a significance level, strictly between 0 and 1."""
    if not 0 < alpha < 1:
        raise UsageError(f"--alpha must be between 0 and 1, got {alpha}")


def flag_message(exc: EvaluateOptionsError) -> str:
    """The library's error with its option named by the command line's flag."""
    flag = flag_of(exc.option)
    message = str(exc)
    if message.startswith(exc.option):
        return flag + message[len(exc.option) :]
    return f"{flag}: {message}"
