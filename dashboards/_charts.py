"""Plotly figures as plain dicts, rendered in the browser by the bundled plotly.js.

Building the dict directly (not through plotly.graph_objects) keeps a 100-checkpoint
trend under a millisecond; the browser does the validation and drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Okabe-Ito, reordered so the first colours are the most distinct on white; yellow is
# last because it is hard to read on a white background.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot")
SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "cross")
NOT_SIGNIFICANT_PATTERN = "/"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

Figure = dict[str, Any]


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def base_layout(*, y_title: str, x_title: str, height: int = 460) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 30, "b": 110},
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": {
            "title": {"text": x_title},
            "showline": True,
            "linecolor": "#444",
            "tickangle": -35,
            "automargin": True,
        },
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": "#e5e5e5",
            "zeroline": False,
            "showline": True,
            "linecolor": "#444",
        },
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
    }


def _no_preference_line() -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": 0.5,
        "y1": 0.5,
        "line": {"color": "#666", "width": 1, "dash": "dash"},
    }


def _error(
    values: Sequence[float | None], lows: Sequence[float | None], highs: Sequence[float | None]
) -> dict[str, Any]:
    plus = [
        h - v if h is not None and v is not None else None
        for v, h in zip(values, highs, strict=True)
    ]
    minus = [
        v - lo if lo is not None and v is not None else None
        for v, lo in zip(values, lows, strict=True)
    ]
    return {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": "#333",
        "thickness": 1.2,
        "width": 3,
    }


def group_bars(
    groups: Sequence[str],
    series: Sequence[dict[str, Any]],
    *,
    alpha: float,
) -> Figure:
    """Grouped bars of safety scores per group, one trace per audit, with CI error bars.

    Each series: {"name", "values", "ci_low", "ci_high", "p_values", "significant", "n"}
    aligned with `groups`. Bars of non-significant groups are hatched and paler, so
    the groups the published score would drop stand out without colour.
    """
    traces = []
    for index, s in enumerate(series):
        significant = list(s["significant"])
        hover = [
            f"{s['name']}<br>{group}: {v:.3f} [{lo:.3f}, {hi:.3f}]<br>p = {p:.3g}"
            f"{'' if sig else ' (not significant)'}<br>n harmful/neutral = {n}"
            if v is not None and lo is not None and hi is not None and p is not None
            else f"{s['name']}<br>{group}: unscored"
            for group, v, lo, hi, p, sig, n in zip(
                groups,
                s["values"],
                s["ci_low"],
                s["ci_high"],
                s["p_values"],
                significant,
                s["n"],
                strict=True,
            )
        ]
        traces.append(
            {
                "type": "bar",
                "name": s["name"],
                "x": list(groups),
                "y": list(s["values"]),
                "error_y": _error(s["values"], s["ci_low"], s["ci_high"]),
                "marker": {
                    "color": colour(index),
                    "opacity": [1.0 if sig else 0.55 for sig in significant],
                    "line": {"color": "#222", "width": 0.6},
                    "pattern": {
                        "shape": ["" if sig else NOT_SIGNIFICANT_PATTERN for sig in significant],
                        "fgcolor": "#222",
                        "size": 6,
                        "solidity": 0.25,
                    },
                },
                "customdata": [[bool(sig)] for sig in significant],
                "hovertext": hover,
                "hoverinfo": "text",
            }
        )
    layout = base_layout(y_title="Safety score (higher is safer)", x_title="Target group")
    layout["barmode"] = "group"
    layout["bargap"] = 0.2
    layout["yaxis"]["range"] = [0, 1.02]
    layout["shapes"] = [_no_preference_line()]
    layout["annotations"] = [
        {
            "xref": "paper",
            "yref": "paper",
            "x": 1,
            "y": -0.32,
            "xanchor": "right",
            "showarrow": False,
            "font": {"size": 12, "color": "#444"},
            "text": f"Hatched, paler bars: not significant (p > {alpha:g}). "
            "Whiskers: 95% bootstrap CI. Dashed line: 0.5 = no preference.",
        }
    ]
    return {"data": traces, "layout": layout}


def trend_lines(
    x: Sequence[Any],
    series: Sequence[dict[str, Any]],
    *,
    x_title: str,
    x_is_date: bool,
) -> Figure:
    """One line per series over checkpoints with its CI band; "Average" drawn thick and black.

    Each series: {"name", "values", "ci_low", "ci_high"} aligned with x. A band and its
    line share a legend group, so clicking the legend hides both.
    """
    traces: list[dict[str, Any]] = []
    for index, s in enumerate(series):
        is_average = s["name"] == "Average"
        line_colour = "#000000" if is_average else colour(index)
        group = f"g{index}"
        lows, highs = list(s["ci_low"]), list(s["ci_high"])
        band_x = list(x) + list(reversed(x))
        band_y = highs + list(reversed(lows))
        traces.append(
            {
                "type": "scatter",
                "x": band_x,
                "y": band_y,
                "fill": "toself",
                "fillcolor": _rgba(line_colour, 0.16 if is_average else 0.07),
                "line": {"width": 0},
                "hoverinfo": "skip",
                "legendgroup": group,
                "showlegend": False,
                "name": f"{s['name']} 95% CI",
                "connectgaps": False,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": s["name"],
                "x": list(x),
                "y": list(s["values"]),
                "legendgroup": group,
                "line": {
                    "color": line_colour,
                    "width": 4 if is_average else 1.8,
                    "dash": "solid"
                    if is_average
                    else DASHES[(index // len(PALETTE)) % len(DASHES)],
                },
                "marker": {"symbol": SYMBOLS[index % len(SYMBOLS)], "size": 7 if is_average else 5},
                "customdata": [[lo, hi] for lo, hi in zip(lows, highs, strict=True)],
                "hovertemplate": f"{s['name']}: %{{y:.3f}} [%{{customdata[0]:.3f}}, %{{customdata[1]:.3f}}]<extra>%{{x}}</extra>",
            }
        )
    layout = base_layout(y_title="Safety score (higher is safer)", x_title=x_title, height=520)
    layout["xaxis"]["tickangle"] = 0
    if x_is_date:
        layout["xaxis"]["type"] = "date"
    layout["legend"] = {"orientation": "v", "x": 1.01, "y": 1, "font": {"size": 12}}
    layout["margin"]["r"] = 170
    layout["margin"]["b"] = 60
    layout["shapes"] = [_no_preference_line()]
    layout["hovermode"] = "x unified"
    return {"data": traces, "layout": layout}
