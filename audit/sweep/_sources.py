"""Where a sweep's checkpoints come from: a training output directory, a hub
repository's revisions, or a list of local directories; each with its training step."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.sweep._weights import missing_weights

CHECKPOINT_FOLDER = re.compile(r"^checkpoint-(.+)$")
"""A Trainer's checkpoint folder; what follows the dash is the global step."""
DEFAULT_STEP_PATTERN = r"(\d+)\D*$"
"""The step of a revision or folder name: its last run of digits (step1000, ckpt_2000)."""


class SweepSourceError(ValueError):
    """A source of checkpoints that cannot be swept; the message names the path or ref."""


@dataclass(frozen=True, slots=True)
class SweepCheckpoint:
    """One checkpoint of a series."""

    name: str
    """Its label: `<training dir>/checkpoint-<step>`, `<repo>@<revision>` or the
    directory's name."""
    step: int | None
    """Training step; None when its name holds none (the series keeps the given order)."""
    reference: str
    """What loads it: a local directory or a hub id."""
    revision: str | None = None
    """The hub branch or tag, for hub checkpoints."""


@dataclass(frozen=True, slots=True)
class Discovery:
    """The checkpoints of a training directory at one moment."""

    complete: tuple[SweepCheckpoint, ...]
    """Checkpoints with a whole set of weights, by step."""
    incomplete: tuple[tuple[Path, str], ...]
    """Folders not touched yet, with why (no weights yet, a file still being written)."""


def parse_step(name: str, pattern: str | None, *, where: str) -> int | None:
    """The step in `name`: the pattern's first group (or whole match) as an integer.

    With no pattern, the name's last run of digits, or None when it has none. A
    pattern given but not matching, or matching something that is not an integer,
    is an error naming `where`.
    """
    try:
        regex = re.compile(pattern or DEFAULT_STEP_PATTERN)
    except re.error as exc:
        raise SweepSourceError(
            f"step pattern {pattern!r} is not a regular expression: {exc}"
        ) from exc
    match = regex.search(name)
    if match is None:
        if pattern is None:
            return None
        raise SweepSourceError(f"{where}: step pattern {pattern!r} does not match {name!r}")
    text = match.group(1) if regex.groups else match.group(0)
    try:
        return int(text)
    except (TypeError, ValueError) as exc:
        raise SweepSourceError(
            f"{where}: step {text!r} parsed from {name!r} is not an integer"
        ) from exc


def _ordered(checkpoints: Sequence[SweepCheckpoint]) -> tuple[SweepCheckpoint, ...]:
    """By step when every checkpoint has one, else as given; one checkpoint named twice
    counts once, two at one step (or, without steps, of one name) are an error: they
    would share an output folder and a place in the trend."""
    checkpoints = list(dict.fromkeys(checkpoints))
    taken: dict[int | str, SweepCheckpoint] = {}
    for checkpoint in checkpoints:
        key = checkpoint.name if checkpoint.step is None else checkpoint.step
        other = taken.setdefault(key, checkpoint)
        if other is not checkpoint:
            what = f"name {key!r}" if checkpoint.step is None else f"step {key}"
            both = (other.name, checkpoint.name)
            if other.name == checkpoint.name:
                both = (other.reference, checkpoint.reference)
            raise SweepSourceError(
                f"{both[0]} and {both[1]} have the same {what}; a series has one "
                "checkpoint per step (read another with --step-regex, or sweep them apart)"
            )
    if all(c.step is not None for c in checkpoints):
        return tuple(sorted(checkpoints, key=lambda c: (c.step, c.name)))
    return tuple(checkpoints)


def scan_training_dir(directory: Path, *, strict: bool = True) -> Discovery:
    """The `checkpoint-<N>` folders of a training output directory, complete or not.

    An empty directory is a discovery of nothing (a run that has not saved yet); a
    missing one is an error. A `checkpoint-` folder whose suffix is not a step
    (`checkpoint-final`) is an error when `strict`; otherwise it is set aside as
    incomplete: while a run is watched it may be a save being staged under another
    name (`checkpoint-30.tmp`) and renamed into place a moment later.
    """
    if not directory.is_dir():
        raise SweepSourceError(f"{directory}: no such training directory")
    complete: list[SweepCheckpoint] = []
    incomplete: list[tuple[Path, str]] = []
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        match = CHECKPOINT_FOLDER.match(folder.name)
        if match is None:
            continue
        if not match.group(1).isdigit():
            no_step = (
                f"cannot read a training step from {folder.name!r} "
                "(a checkpoint folder is checkpoint-<step>)"
            )
            if strict:
                raise SweepSourceError(f"{folder}: {no_step}")
            incomplete.append((folder, no_step))
            continue
        why = missing_weights(folder)
        if why is not None:
            incomplete.append((folder, why))
            continue
        step = int(match.group(1))
        # The label the Trainer callback gives the same checkpoint: run/checkpoint-<step>.
        # By its absolute path: the resume key, whatever the directory was called here.
        complete.append(
            SweepCheckpoint(
                f"{directory.resolve().name}/{folder.name}", step, str(folder.resolve())
            )
        )
    return Discovery(_ordered(complete), tuple(incomplete))


def is_training_dir(directory: Path) -> bool:
    """Whether `directory` is a training output directory: a folder that is not itself a
    model (no config.json), or that holds `checkpoint-*` folders even with the final model
    saved beside them (`trainer.save_model()` writes into the run's own folder)."""
    return directory.is_dir() and (
        not (directory / "config.json").exists()
        or any(CHECKPOINT_FOLDER.match(p.name) and p.is_dir() for p in directory.iterdir())
    )


def training_checkpoints(directory: Path) -> Discovery:
    """`scan_training_dir`, refusing a directory with no `checkpoint-<N>` folder at all."""
    found = scan_training_dir(directory)
    if not found.complete and not found.incomplete:
        raise SweepSourceError(
            f"{directory}: no checkpoint-<step> folders (is this a training output directory?)"
        )
    return found


def directory_checkpoints(
    paths: Sequence[Path], *, step_pattern: str | None = None
) -> tuple[SweepCheckpoint, ...]:
    """Local model directories as a series, each with the step in its name if any."""
    checkpoints = []
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            continue  # one directory named twice (./a and a) is one checkpoint
        seen.add(path.resolve())
        if not path.is_dir():
            raise SweepSourceError(f"{path}: no such model directory")
        why = missing_weights(path)
        if why is not None and scan_training_dir(path).complete:
            raise SweepSourceError(
                f"{path}: a training output directory (checkpoint-<step> folders), not a "
                "model directory: sweep it on its own, or name its checkpoint folders"
            )
        if why is not None:
            raise SweepSourceError(f"{path}: not a complete checkpoint: {why}")
        step = parse_step(path.name, step_pattern, where=str(path))
        checkpoints.append(SweepCheckpoint(path.name, step, str(path.resolve())))
    return _ordered(checkpoints)
