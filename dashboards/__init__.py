"""Dashboards: server-rendered pages over the results database, charts by bundled Plotly."""

from dashboards._routes import build_router, login_page, mount_dashboards

__all__ = ["build_router", "login_page", "mount_dashboards"]
