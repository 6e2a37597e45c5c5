"""The dashboards as the service serves them: CSV cells, chart text, parameter bounds."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import ApiSettings, create_app, get_session
from dashboards._charts import group_bars
from dashboards._tables import Column, Table, table_csv
from dashboards._trend_charts import trend_lines
from db import Audit, Checkpoint
from tests.dashboards.seed import Seeded

HOSTILE = '<a href="https://example.com">x</a>'


@pytest.fixture()
def client(db_session: Session, seeded: Seeded) -> Iterator[TestClient]:
    app = create_app(ApiSettings())
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app) as test_client:
        yield test_client


def _relabel(session: Session, audit_id: int, label: str) -> None:
    audit = session.get(Audit, audit_id)
    assert audit is not None
    checkpoint = session.get(Checkpoint, audit.checkpoint_id)
    assert checkpoint is not None
    checkpoint.label = label
    session.flush()


def test_a_formula_label_downloads_as_text(
    client: TestClient, db_session: Session, seeded: Seeded
) -> None:
    _relabel(db_session, seeded.steps[3000], "=1+2")
    response = client.get("/", params={"download": "checkpoints", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    (row,) = [r for r in rows if "1+2" in r["label"]]
    assert row["label"] == "'=1+2"
    # Quoted in the file itself, as OWASP recommends.
    assert '"\'=1+2"' in response.text


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "-0.5"])
def test_every_formula_prefix_is_neutralised_in_text(text: str) -> None:
    table = Table("t", "T", (Column("label", "Label"), Column("value", "Value", "number")))
    body = table_csv(Table(table.name, table.title, table.columns, [{"label": text, "value": 1}]))
    (row,) = list(csv.DictReader(io.StringIO(body)))
    assert row["label"] == "'" + text


def test_negative_numbers_stay_numbers() -> None:
    """Only text is neutralised: a number the service computed is not a formula."""
    table = Table(
        "t",
        "T",
        (Column("group", "Group"), Column("difference", "Difference", "number")),
        [{"group": "women", "difference": -0.021}, {"group": "-women", "difference": -3}],
    )
    lines = table_csv(table).splitlines()
    assert lines[1] == '"women",-0.021'
    assert lines[2] == '"\'-women",-3'


def test_chart_text_from_users_is_escaped() -> None:
    bars = group_bars(
        [HOSTILE],
        [
            {
                "name": HOSTILE,
                "values": [0.5],
                "ci_low": [0.4],
                "ci_high": [0.6],
                "p_values": [0.01],
                "significant": [True],
                "n": ["<b>1</b>/1"],
            }
        ],
        alpha=0.05,
        title=HOSTILE,
    )
    lines = trend_lines(
        [1, 2],
        [
            {
                "name": HOSTILE + "%{y}",
                "values": [0.5, 0.6],
                "ci_low": [0.4, 0.5],
                "ci_high": [0.6, 0.7],
            }
        ],
        x_title="step",
        x_is_date=False,
        bands={HOSTILE + "%{y}"},
    )
    for figure in (bars, lines):
        text = repr(figure)
        assert "<a " not in text and "<b>1" not in text
        assert "&lt;a href" in text
    (line,) = [t for t in lines["data"] if t["mode"] == "lines+markers"]
    assert "%{y}" not in line["hovertemplate"].replace("%{y:.3f}", "")


OUT_OF_RANGE = [
    ("/audits/99999999999999999999", "audit_id"),
    ("/audits/{audit}?page=99999999999999999999", "page"),
    ("/audits/{audit}?page=0", "page"),
    ("/audits/{audit}?vs=99999999999999999999", "vs"),
    ("/compare?audit=99999999999999999999&audit=1", "audit"),
    ("/compare?audit=1&audit=2&baseline=-99999999999999999999", "baseline"),
    ("/compare/differences?audit=1&audit=99999999999999999999", "audit"),
    ("/dashboards/progress.json?audit=99999999999999999999", "audit"),
    ("/dashboards/progress.json?audit=2147483648", "audit"),
    ("/audits/2147483648", "audit_id"),
    ("/audits/{audit}?group=" + "g" * 50_000, "group"),
    ("/trend?model=" + "m" * 50_000, "model"),
    ("/?tag=" + "t" * 50_000, "tag"),
    ("/audits/{audit}?group=wo%00men", "group"),
    ("/audits/{audit}?group=%ED%A0%80", "group"),
    ("/?tag=%00", "tag"),
    ("/audits/1%00", "path"),
    ("/audits/%ED%A0%80", "path"),
]


@pytest.mark.parametrize(("url", "where"), OUT_OF_RANGE)
def test_out_of_range_parameters_are_422(
    client: TestClient, seeded: Seeded, url: str, where: str
) -> None:
    response = client.get(url.format(audit=seeded.steps[3000]))
    assert response.status_code == 422, response.text[:300]
    (problem, *_) = response.json()["detail"]
    assert where in problem["loc"], problem


def test_pages_carry_the_security_headers(client: TestClient, seeded: Seeded) -> None:
    for url in ("/", f"/audits/{seeded.steps[3000]}", "/login", "/dashboards/static/style.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"], url


PAGE_PARAMETERS = {
    "/": ("tag", "download", "format"),
    "/compare": ("audit", "job", "checkpoint", "baseline", "download", "format"),
    "/compare/differences": ("audit", "job", "baseline", "download", "format"),
    "/trend": ("model", "axis", "bands", "download", "format"),
    "/audits/{audit}": ("group", "label", "vs", "page", "download", "format"),
    "/dashboards/progress.json": ("audit", "job"),
}


def test_no_page_answers_a_server_error_whatever_the_query(
    client: TestClient, seeded: Seeded
) -> None:
    """Any value of any parameter (text, numbers of any size, unicode) answers below 500."""
    from hypothesis import strategies as st

    value = st.one_of(
        st.text(max_size=30),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["nan", "inf", "-1", "0", "csv", "json", "checkpoints", "groups"]),
    )
    for path, names in PAGE_PARAMETERS.items():
        _fuzz(client, path.format(audit=seeded.steps[3000]), names, value)


def _fuzz(client: TestClient, url: str, names: tuple[str, ...], value: Any) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @given(query=st.lists(st.tuples(st.sampled_from(names), value), max_size=4))
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(query: list[tuple[str, str | int | float | bool | None]]) -> None:
        response = client.get(url, params=query)
        assert response.status_code < 500, (url, query, response.text[:300])

    check()
