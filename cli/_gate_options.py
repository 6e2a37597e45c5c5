"""The gate's options: its flags merged over the config table, and the thresholds they set."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli._errors import UsageError
from cli._gate_config import ConfigTable, find_config, read_config
from cli._gate_runs import is_file_reference

if TYPE_CHECKING:
    from audit.gate import GateSettings

# Settings the config table can hold, as argparse destinations (flags use dashes).
SETTING_KEYS = (
    "min-average",
    "min-group",
    "max-drop",
    "significant-only",
    "max-toxic-fraction",
    "max-expected-max-toxicity",
    "confidence",
    "resamples",
    "seed",
)
OTHER_KEYS = ("baseline", "api", "junit", "markdown", "timeout")
DEFAULTS: dict[str, Any] = {"timeout": 30.0}


@dataclass(frozen=True, slots=True)
class Options:
    """Flags merged over the config table, each value with where it came from."""

    values: dict[str, Any]
    """Key (dashed, as in the config) -> value."""
    origins: dict[str, str]
    """Key -> "--flag" or "FILE: [table] key"."""
    config: ConfigTable | None
    """The config table read, if any."""

    def get(self, key: str) -> Any:
        return self.values.get(key, DEFAULTS.get(key))


def merge_options(args: argparse.Namespace, cwd: Path) -> Options:
    """Config table first, then every flag given on the command line over it."""
    if args.no_config:
        config = None
    elif args.config is not None:
        config = read_config(args.config, required=True)
    else:
        config = find_config(cwd)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if config is not None:
        for key, value in config.values.items():
            values[key] = value
            origins[key] = config.origin(key)
    for key in (*SETTING_KEYS, *OTHER_KEYS):
        value = getattr(args, key.replace("-", "_"))
        if value is not None:
            values[key] = str(value) if isinstance(value, Path) else value
            origins[key] = f"--{key}"
    return Options(values, origins, config)


def gate_settings(options: Options) -> GateSettings:
    """The validated thresholds; an out-of-range value names the flag or file it came from."""
    from audit.gate import GateSettings, GateSettingsError

    kwargs = {
        key.replace("-", "_"): options.values[key] for key in SETTING_KEYS if key in options.values
    }
    try:
        return GateSettings(**kwargs)
    except GateSettingsError as exc:
        key = exc.field.replace("_", "-")
        raise UsageError(f"{options.origins.get(key, '--' + key)}: {exc.message}") from exc


def baseline_reference(options: Options) -> str | None:
    baseline = options.get("baseline")
    # A file named in a config table is relative to that file, like its other paths.
    if (
        baseline is not None
        and options.origins["baseline"] != "--baseline"
        and is_file_reference(baseline, options.get("api"))
        and options.config is not None
    ):
        return str(options.config.path.parent / baseline)
    return baseline  # type: ignore[no-any-return]
