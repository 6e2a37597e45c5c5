"""The overview's at-a-glance chart: per model, training-step order first, then by date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dashboards._overview import _glance_chart


def _row(label: str, model: str, step: int | None, day: int, average: float | None) -> Any:
    return {
        "label": label,
        "model": model,
        "step": step,
        "average": average,
        "average_ci_low": None if average is None else average - 0.02,
        "average_ci_high": None if average is None else average + 0.03,
        "ci": None if average is None else f"[{average - 0.02:.3f}, {average + 0.03:.3f}]",
        "audited_at": datetime(2026, 11, day, tzinfo=UTC),
    }


def test_steps_order_the_checkpoints_and_unknown_steps_follow_by_date() -> None:
    figure = _glance_chart(
        [
            _row("late", "org/a", None, 9, 0.61),
            _row("step 2000", "org/a", 2000, 1, 0.6),
            _row("early", "org/a", None, 3, 0.62),
            _row("step 500", "org/a", 500, 5, 0.55),
            _row("not scored", "org/a", 100, 2, None),
            _row("<b>other</b>", "org/b", None, 1, 0.7),
        ]
    )
    assert figure is not None
    a, b = figure["data"]
    assert a["name"] == "org/a"
    assert a["x"] == ["step 500", "step 2000", "early", "late"]
    assert a["y"] == [0.55, 0.6, 0.62, 0.61]
    assert a["error_y"]["arrayminus"] == pytest.approx([0.02] * 4)
    # User text is shown as text: Plotly would render tags in labels.
    assert b["x"] == ["&lt;b&gt;other&lt;/b&gt;"]
    assert figure["layout"]["xaxis"]["categoryarray"] == [*a["x"], *b["x"]]


def test_no_scored_checkpoint_no_chart() -> None:
    assert _glance_chart([_row("x", "org/a", 1, 1, None)]) is None
