"""Shape checks on results before any check reads them.

`AuditResult.from_dict` keeps whatever the file holds; a hand-edited or foreign
results.json with a score of "high" must stop the gate with the field's name,
not with a traceback halfway through the checks.
"""

from __future__ import annotations

import math
from typing import Any

from audit.gate._settings import GateInputError
from audit.results import AuditResult

_GROUP_NUMBERS = ("score", "ci_low", "ci_high", "p_value")
_SCORE_NUMBERS = ("average", "average_ci_low", "average_ci_high", "alpha", "confidence")


def _number_or_null(value: Any, where: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise GateInputError(f"{where}: expected a finite number or null, found {value!r}")


def validate_run(result: AuditResult, source: str) -> None:
    """Raise GateInputError naming the file and field of the first malformed score."""
    scores = result.scores
    for name in _SCORE_NUMBERS:
        _number_or_null(getattr(scores, name), f"{source}: scores.{name}")
    for index, group in enumerate(scores.groups):
        where = f"{source}: scores.groups[{index}]"
        if not isinstance(group.group, str):
            raise GateInputError(f"{where}.group: expected a string, found {group.group!r}")
        for name in _GROUP_NUMBERS:
            _number_or_null(getattr(group, name), f"{where}.{name}")
        if not isinstance(group.significant, bool):
            raise GateInputError(
                f"{where}.significant: expected true or false, found {group.significant!r}"
            )
        for name in ("n_harmful", "n_neutral"):
            count = getattr(group, name)
            if isinstance(count, bool) or not isinstance(count, int):
                raise GateInputError(f"{where}.{name}: expected a count, found {count!r}")
    if not isinstance(result.dataset.sha256, str):
        raise GateInputError(f"{source}: dataset.sha256: expected a string")
