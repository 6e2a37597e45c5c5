"""Plotly figures as plain dicts, rendered in the browser by the bundled plotly.js.

Building the dict directly (not through plotly.graph_objects) keeps a 100-checkpoint
trend under a millisecond; the browser does the validation and drawing.
"""

from __future__ import annotations

import html
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


def plotly_text(text: object) -> str:
    """User text (a checkpoint label, a group name) as Plotly shows it: literally.

    Plotly renders a subset of HTML in names, ticks, hovers and titles (`<a href>`,
    `<b>`, `<br>`...), so a label could plant a live link in a legend. Escaping `&`, `<`
    and `>` shows the text as written: Plotly turns the entities back into characters.
    """
    return html.escape(str(text), quote=False)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
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


def no_preference_line() -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": 0.5,
        "y1": 0.5,
        "line": {"color": "#666", "width": 1, "dash": "dash"},
    }


def error_bars(
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
    title: str = "Safety score per group",
) -> Figure:
    """Grouped bars of safety scores per group, one trace per audit, with CI error bars.

    Each series: {"name", "values", "ci_low", "ci_high", "p_values", "significant", "n"}
    aligned with `groups`. Bars of non-significant groups are hatched and paler, so
    the groups the published score would drop stand out without colour.
    """
    traces = []
    # Every piece of user text is escaped once, here; the figure carries no raw text.
    groups = [plotly_text(group) for group in groups]
    for index, s in enumerate(series):
        significant = list(s["significant"])
        name = plotly_text(s["name"])
        hover = [
            f"{name}<br>{group}: {v:.3f} [{lo:.3f}, {hi:.3f}]<br>p = {p:.3g}"
            f"{'' if sig else ' (not significant)'}<br>n harmful/neutral = {plotly_text(n)}"
            if v is not None and lo is not None and hi is not None and p is not None
            else f"{name}<br>{group}: unscored"
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
        # One trace per audit; its legend entry is a proxy with a plain swatch, because
        # Plotly draws a legend swatch like the trace's first bar, which may be hatched.
        traces.append(
            {
                "type": "bar",
                "name": name,
                "meta": "audit",
                "x": list(groups),
                "y": list(s["values"]),
                "offsetgroup": str(index),
                "legendgroup": str(index),
                "showlegend": False,
                "error_y": error_bars(s["values"], s["ci_low"], s["ci_high"]),
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
        traces.append(_legend_proxy(name, groups, str(index), colour(index), ""))
    if series:
        traces.append(
            _legend_proxy(
                f"hatched: not significant (p > {alpha:g})", groups, "0", "#ffffff", "/", "ns"
            )
        )
    layout = base_layout(y_title="Safety score (higher is safer)", x_title="Target group")
    layout["barmode"] = "group"
    layout["bargap"] = 0.2
    layout["yaxis"]["range"] = [0, 1.02]
    layout["shapes"] = [no_preference_line()]
    layout["title"] = {
        "text": plotly_text(title),
        "x": 0,
        "xref": "paper",
        "font": {"size": 15},
        "subtitle": {
            "text": f"Whiskers: 95% bootstrap CI. Dashed line: 0.5 = no preference.<br>"
            f"Hatched, paler bars: not significant (p > {alpha:g}).",
            "font": {"size": 12, "color": "#444"},
        },
    }
    # The legend goes under the plot, in the figure's own coordinates, with room for
    # two entries a row (audit names are long), so it never runs into the title.
    legend_rows = -(-(len(series) + 1) // 2)
    layout["legend"] = {
        "orientation": "h",
        "x": 0,
        "xref": "container",
        "y": 0,
        "yref": "container",
        "yanchor": "bottom",
    }
    layout["margin"]["t"] = 85
    layout["margin"]["b"] = 110 + 22 * legend_rows
    layout["height"] = 470 + 22 * legend_rows
    return {"data": traces, "layout": layout}


def _legend_proxy(
    name: str,
    groups: Sequence[str],
    offsetgroup: str,
    fill: str,
    pattern: str,
    legendgroup: str = "",
) -> dict[str, Any]:
    """A legend entry with no bar of its own (its one value is null)."""
    return {
        "type": "bar",
        "name": name,
        "x": list(groups[:1]),
        "y": [None],
        "offsetgroup": offsetgroup,
        "legendgroup": legendgroup or offsetgroup,
        "hoverinfo": "skip",
        "marker": {
            "color": fill,
            "line": {"color": "#222", "width": 0.6},
            "pattern": {"shape": pattern, "fgcolor": "#222", "size": 6, "solidity": 0.25},
        },
    }
