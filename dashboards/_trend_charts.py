"""Plotly figures over training: each group's score by checkpoint, and the overview's
averages (plain dicts, as in dashboards/_charts.py; no web or database imports)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from dashboards._charts import (
    DASHES,
    PALETTE,
    SYMBOLS,
    Figure,
    base_layout,
    colour,
    error_bars,
    no_preference_line,
    plotly_text,
    rgba,
)


def trend_lines(
    x: Sequence[Any],
    series: Sequence[dict[str, Any]],
    *,
    x_title: str,
    x_is_date: bool,
    bands: Collection[str],
    focus: str | None = None,
) -> Figure:
    """One line per series over checkpoints; "Average" drawn thick and black.

    Each series: {"name", "values", "ci_low", "ci_high"} aligned with x. Series named
    in `bands` get their CI band (13 overlapping bands are unreadable, so the caller
    picks); with a `focus`, the other groups are muted. A band shares its line's legend
    group, so clicking the legend hides both.
    """
    traces: list[dict[str, Any]] = []
    for index, s in enumerate(series):
        is_average = s["name"] == "Average"
        muted = focus is not None and not is_average and s["name"] != focus
        name = plotly_text(s["name"])
        line_colour = "#000000" if is_average else colour(index)
        group = f"g{index}"
        lows, highs = list(s["ci_low"]), list(s["ci_high"])
        if s["name"] in bands and all(v is not None for v in lows + highs):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": list(x) + list(reversed(x)),
                    "y": highs + list(reversed(lows)),
                    "fill": "toself",
                    "fillcolor": rgba(line_colour, 0.18),
                    "line": {"width": 0},
                    "hoverinfo": "skip",
                    "legendgroup": group,
                    "showlegend": False,
                    "name": f"{name} 95% CI",
                }
            )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": list(x),
                "y": list(s["values"]),
                "legendgroup": group,
                "opacity": 0.3 if muted else 1.0,
                "line": {
                    "color": line_colour,
                    "width": 4 if is_average or s["name"] == focus else 1.8,
                    "dash": "solid"
                    if is_average
                    else DASHES[(index // len(PALETTE)) % len(DASHES)],
                },
                "marker": {
                    "symbol": SYMBOLS[index % len(SYMBOLS)],
                    "size": 7 if is_average else 5,
                },
                "customdata": [[lo, hi] for lo, hi in zip(lows, highs, strict=True)],
                # The name comes from the trace, not the template: a name holding "%{...}"
                # must not become template syntax.
                "hovertemplate": "%{fullData.name}: %{y:.3f} [%{customdata[0]:.3f}, "
                "%{customdata[1]:.3f}]<extra></extra>",
            }
        )
    layout = base_layout(y_title="Safety score (higher is safer)", x_title=x_title, height=520)
    layout["xaxis"]["tickangle"] = 0
    if x_is_date:
        layout["xaxis"]["type"] = "date"
    elif len(x) <= 15:
        layout["xaxis"]["tickmode"] = "array"
        layout["xaxis"]["tickvals"] = list(x)
    layout["legend"] = {"orientation": "v", "x": 1.01, "y": 1, "font": {"size": 12}}
    layout["margin"]["r"] = 170
    layout["margin"]["b"] = 60
    layout["shapes"] = [no_preference_line()]
    layout["hovermode"] = "x unified"
    return {"data": traces, "layout": layout}


def checkpoint_averages(series: Sequence[dict[str, Any]], order: Sequence[str]) -> Figure:
    """Each checkpoint's newest average safety score with its 95% interval, at a glance.

    One trace per model: {"name", "labels", "values", "ci_low", "ci_high", "hover"}, the
    labels unique checkpoint names placed on the x axis in `order` (training step where
    known), so a model's checkpoints read left to right as it trained.
    """
    traces = [
        {
            "type": "scatter",
            "mode": "markers+lines" if len(s["labels"]) > 1 else "markers",
            "name": s["name"],
            "x": list(s["labels"]),
            "y": list(s["values"]),
            "error_y": error_bars(s["values"], s["ci_low"], s["ci_high"]),
            "marker": {"color": colour(index), "size": 9, "symbol": SYMBOLS[index % len(SYMBOLS)]},
            "line": {"color": colour(index), "width": 1.2, "dash": "dot"},
            "hovertext": list(s["hover"]),
            "hoverinfo": "text",
        }
        for index, s in enumerate(series)
    ]
    layout = base_layout(y_title="Average safety score", x_title="Checkpoint", height=420)
    layout["xaxis"]["categoryorder"] = "array"
    layout["xaxis"]["categoryarray"] = list(order)
    layout["xaxis"]["type"] = "category"
    layout["shapes"] = [no_preference_line()]
    layout["margin"] = {"l": 70, "r": 20, "t": 40, "b": 90}
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
    return {"data": traces, "layout": layout}
