"""Running `toxaudit gate` in-process and reading back what it said."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cli import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def gate(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    try:
        code = main(["gate", *args])
    except SystemExit as exc:  # usage errors leave through argparse
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def one_line_error(outcome: Outcome) -> str:
    """The single `toxaudit: error: ...` line of an exit-2 outcome."""
    assert outcome.code == 2, (outcome.code, outcome.out, outcome.err)
    lines = [line for line in outcome.err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("toxaudit: error: ")]
    assert len(errors) == 1, outcome.err
    return errors[0]
