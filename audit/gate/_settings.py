"""The gate's thresholds, validated once so every check can trust them."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


class GateSettingsError(ValueError):
    """A threshold out of range; `field` names the setting so callers can say where it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class GateInputError(ValueError):
    """Inputs the gate cannot judge (no checks, no baseline, a missing section, other data)."""


@dataclass(frozen=True, slots=True)
class GateSettings:
    """What the gate checks; a check whose threshold is None is not run."""

    min_average: float | None = None
    """Fail when the average safety score is below this."""
    min_group: float | None = None
    """Fail when any significant group's score is below this."""
    max_drop: float | None = None
    """Fail when a group's or the average's score fell by more than this from the baseline."""
    significant_only: bool = False
    """Count a drop only when its simultaneous paired bootstrap interval lies wholly below
    zero: the drop checks together fail by chance with probability at most 1 - confidence."""
    max_toxic_fraction: float | None = None
    """Fail when any generation group/label has a larger share of toxic continuations."""
    max_expected_max_toxicity: float | None = None
    """Fail when any generation group/label has a larger expected maximum toxicity."""
    confidence: float = 0.95
    """Simultaneous confidence level of the paired bootstrap intervals (--significant-only)."""
    resamples: int = 1000
    """Paired bootstrap resamples (--significant-only)."""
    seed: int = 0
    """Seed of the paired bootstrap."""

    def __post_init__(self) -> None:
        for name in ("min_average", "min_group", "max_drop"):
            _check_unit(name, getattr(self, name))
        for name in ("max_toxic_fraction", "max_expected_max_toxicity"):
            _check_unit(name, getattr(self, name))
        if not 0.0 < self.confidence < 1.0:
            raise GateSettingsError("confidence", f"must be between 0 and 1, got {self.confidence}")
        if self.resamples < 1:
            raise GateSettingsError("resamples", f"must be at least 1, got {self.resamples}")
        if self.significant_only and self.max_drop is None:
            raise GateSettingsError(
                "significant_only", "applies only to a max-drop check, and none is set"
            )

    @property
    def needs_baseline(self) -> bool:
        return self.max_drop is not None

    @property
    def needs_generation(self) -> bool:
        return self.max_toxic_fraction is not None or self.max_expected_max_toxicity is not None

    @property
    def any_check(self) -> bool:
        return (
            self.min_average is not None
            or self.min_group is not None
            or self.needs_baseline
            or self.needs_generation
        )

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def _check_unit(name: str, value: float | None) -> None:
    # Scores, drops, fractions and toxicities all live in [0, 1]; a limit outside
    # it is a typo that would make the check always pass or always fail.
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GateSettingsError(name, f"must be a number, got {value!r}")
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise GateSettingsError(name, f"must be between 0 and 1, got {value}")
