"""The gate's settings from a config table, with every flag given on the command line winning.

`[tool.toxaudit.gate]` in pyproject.toml, or `[gate]` in toxaudit.toml. Keys are
the flags' names without dashes in front (`min-average = 0.5`). Without
--config, the nearest directory (from the current one upwards) holding a
toxaudit.toml, or a pyproject.toml with the table, supplies it; toxaudit.toml
wins within one directory. Relative paths in the file are relative to it.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli._errors import UsageError

NUMBER_KEYS = (
    "min-average",
    "min-group",
    "max-drop",
    "max-toxic-fraction",
    "max-expected-max-toxicity",
    "confidence",
    "timeout",
)
INTEGER_KEYS = ("resamples", "seed")
BOOLEAN_KEYS = ("significant-only",)
STRING_KEYS = ("baseline", "api", "junit", "markdown")
PATH_KEYS = ("junit", "markdown")
KEYS = (*NUMBER_KEYS, *INTEGER_KEYS, *BOOLEAN_KEYS, *STRING_KEYS)


@dataclass(frozen=True, slots=True)
class ConfigTable:
    """The gate table of one config file, validated."""

    path: Path
    """The file it was read from."""
    table: str
    """The table's name in that file, e.g. "[tool.toxaudit.gate]"."""
    values: dict[str, Any]
    """Key (as spelled in the file) -> value, with relative paths made absolute."""

    def origin(self, key: str) -> str:
        return f"{self.path}: {self.table} {key}"


def table_name(path: Path) -> tuple[str, ...]:
    return ("tool", "toxaudit", "gate") if path.name == "pyproject.toml" else ("gate",)


def _parse(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: config file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config file: {exc.strerror}") from exc


def _lookup(document: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = document
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _check_value(key: str, value: Any, where: str) -> Any:
    if key in BOOLEAN_KEYS:
        if not isinstance(value, bool):
            raise UsageError(f"{where}: expected true or false, found {value!r}")
    elif key in INTEGER_KEYS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{where}: expected an integer, found {value!r}")
    elif key in NUMBER_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"{where}: expected a number, found {value!r}")
        if not math.isfinite(value):
            raise UsageError(f"{where}: expected a finite number, found {value!r}")
        return float(value)
    elif not isinstance(value, str) or not value:
        raise UsageError(f"{where}: expected a non-empty string, found {value!r}")
    return value


def _validate(path: Path, name: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise UsageError(f"{path}: {name} must be a table, found {type(table).__name__}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}: {name} {key}"
        if key == "token":
            raise UsageError(f"{where}: keep tokens out of files; set TOXAUDIT_TOKEN instead")
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(KEYS)}"
            raise UsageError(f"{where}: unknown key{hint}")
        values[key] = _check_value(key, value, where)
        if key in PATH_KEYS:
            values[key] = str(path.parent / value)
    return values


def read_config(path: Path, *, required: bool) -> ConfigTable | None:
    """The gate table of `path`; a missing table is an error only when `required`."""
    keys = table_name(path)
    name = "[" + ".".join(keys) + "]"
    table = _lookup(_parse(path), keys)
    if table is None:
        if required:
            raise UsageError(f"{path}: no {name} table")
        return None
    return ConfigTable(path, name, _validate(path, name, table))


def find_config(start: Path) -> ConfigTable | None:
    """The nearest toxaudit.toml, or pyproject.toml with a gate table, from `start` upwards."""
    for directory in (start, *start.parents):
        own = directory / "toxaudit.toml"
        if own.is_file():
            return read_config(own, required=False) or ConfigTable(own, "[gate]", {})
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            found = read_config(pyproject, required=False)
            if found is not None:
                return found
    return None
