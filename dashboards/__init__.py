"""Dashboards: server-rendered pages over the results database, charts by bundled Plotly.

The routes are imported on first use, so that the pure figure builders
(`dashboards._charts`, `dashboards._trend_charts`) load without the web and database stack: the report
(`reports/`) draws its chart with them from `toxaudit run` and `toxaudit report`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboards._responses import login_page
    from dashboards._routes import build_router, mount_dashboards

__all__ = ["build_router", "login_page", "mount_dashboards"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = "dashboards._responses" if name == "login_page" else "dashboards._routes"
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'dashboards' has no attribute {name!r}")
