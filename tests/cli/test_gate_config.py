"""The gate's config table: where it is found, how flags override it, and bad tables."""

from pathlib import Path

import pytest

from tests.audit.gate.builders import BASELINE_HARMFUL, CONSISTENT_HARMFUL, scored_rows, write_run
from tests.cli.gate_helpers import gate, one_line_error


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "baseline": write_run(root / "main", scored_rows(BASELINE_HARMFUL), name="main"),
        "consistent": write_run(root / "consistent", scored_rows(CONSISTENT_HARMFUL)),
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pyproject(directory: Path, table: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text(f'[project]\nname = "x"\n\n[tool.toxaudit.gate]\n{table}\n', encoding="utf-8")
    return path


def test_pyproject_table_sets_the_checks(capsys, runs, project) -> None:
    _pyproject(project, "min-average = 0.6")
    outcome = gate(capsys, str(runs["baseline"]))
    assert outcome.code == 1
    assert outcome.out.startswith(f"config: {project / 'pyproject.toml'} [tool.toxaudit.gate]")
    assert "min-average  average" in outcome.out


def test_flags_win_over_the_table(capsys, runs, project) -> None:
    _pyproject(project, "min-average = 0.6\nmax-drop = 0.05\nsignificant-only = true")
    baseline = str(runs["baseline"])
    # The table alone: the supported drop fails with significant-only on.
    assert (
        gate(capsys, str(runs["consistent"]), "--baseline", baseline, "--min-average", "0.4").code
        == 1
    )
    # Flags override each value: a looser drop limit and a lower average pass.
    outcome = gate(
        capsys,
        str(runs["consistent"]),
        "--baseline",
        baseline,
        "--min-average",
        "0.4",
        "--max-drop",
        "0.1",
    )
    assert outcome.code == 0, outcome.out
    assert ">= 0.4" in outcome.out and "<= 0.1 unless within noise" in outcome.out
    # --no-significant-only turns the table's true off: point scores, no interval.
    outcome = gate(
        capsys,
        str(runs["consistent"]),
        "--baseline",
        baseline,
        "--min-average",
        "0.4",
        "--no-significant-only",
    )
    assert outcome.code == 1
    assert (
        "unless within noise" not in outcome.out
        and "95% CI [" not in outcome.out.split("max-drop")[1]
    )


def test_toxaudit_toml_wins_over_pyproject_and_is_found_from_subdirectories(
    capsys, runs, project, monkeypatch
) -> None:
    _pyproject(project, "min-average = 0.9")
    (project / "toxaudit.toml").write_text("[gate]\nmin-average = 0.5\n", encoding="utf-8")
    nested = project / "audits" / "audit"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    outcome = gate(capsys, str(runs["baseline"]))
    assert outcome.code == 0
    assert outcome.out.startswith(f"config: {project / 'toxaudit.toml'} [gate]")


def test_paths_in_the_table_are_relative_to_its_file(capsys, runs, project, monkeypatch) -> None:
    config_dir = runs["baseline"].parent.parent
    config = config_dir / "toxaudit.toml"
    config.write_text(
        '[gate]\nbaseline = "main/results.json"\nmax-drop = 0.1\njunit = "reports/gate.xml"\n',
        encoding="utf-8",
    )
    try:
        outcome = gate(capsys, str(runs["consistent"]), "--config", str(config))
        assert outcome.code == 0, outcome.err
        assert f"baseline:  main ({config_dir / 'main' / 'results.json'})" in outcome.out
        assert (config_dir / "reports" / "gate.xml").is_file()
    finally:
        config.unlink()


def test_explicit_config_and_no_config(capsys, runs, project) -> None:
    _pyproject(project, "min-average = 0.9")
    other = project / "ci" / "gate.toml"
    other.parent.mkdir()
    other.write_text("[gate]\nmin-average = 0.5\n", encoding="utf-8")
    assert gate(capsys, str(runs["baseline"]), "--config", str(other)).code == 0
    assert gate(capsys, str(runs["baseline"])).code == 1
    assert "no checks requested" in one_line_error(
        gate(capsys, str(runs["baseline"]), "--no-config")
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("toxaudit.toml", "[gate\nmin-average = 0.5", "invalid TOML"),
        (
            "toxaudit.toml",
            "[gate]\nmin_average = 0.5",
            "[gate] min_average: unknown key; did you mean 'min-average'?",
        ),
        (
            "toxaudit.toml",
            "[gate]\nbogus = 1",
            "[gate] bogus: unknown key; known keys: min-average",
        ),
        (
            "toxaudit.toml",
            '[gate]\nmin-average = "high"',
            "[gate] min-average: expected a number, found 'high'",
        ),
        (
            "toxaudit.toml",
            "[gate]\nsignificant-only = 1",
            "[gate] significant-only: expected true or false",
        ),
        ("toxaudit.toml", "[gate]\nresamples = 1.5", "[gate] resamples: expected an integer"),
        (
            "toxaudit.toml",
            "[gate]\nmin-average = 7",
            "[gate] min-average: must be between 0 and 1, got 7.0",
        ),
        ("toxaudit.toml", '[gate]\ntoken = "abc"', "[gate] token: keep tokens out of files"),
        ("toxaudit.toml", "gate = 3", "[gate] must be a table"),
        ("pyproject.toml", '[project]\nname = "x"', "no [tool.toxaudit.gate] table"),
        ("toxaudit.toml", "[other]\nx = 1", "no [gate] table"),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(capsys, runs, project, name, text, message) -> None:
    path = project / name
    path.write_text(text + "\n", encoding="utf-8")
    line = one_line_error(gate(capsys, str(runs["baseline"]), "--config", str(path)))
    assert str(path) in line
    assert message in line


def test_found_config_errors_too_and_missing_explicit_config(capsys, runs, project) -> None:
    _pyproject(project, "max-drop = -1\nbaseline = 'x.json'")
    line = one_line_error(gate(capsys, str(runs["baseline"])))
    assert (
        f"{project / 'pyproject.toml'}: [tool.toxaudit.gate] max-drop: must be between 0 and 1"
        in line
    )
    missing = project / "nope.toml"
    assert f"{missing}: config file not found" in one_line_error(
        gate(capsys, str(runs["baseline"]), "--config", str(missing))
    )
