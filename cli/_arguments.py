"""Argument types shared by the command modules."""

from __future__ import annotations

import argparse


def positive_int(value: str) -> int:
    """An integer of at least 1; argparse reports anything else with the option's name."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number
