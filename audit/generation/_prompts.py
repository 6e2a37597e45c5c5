"""Generation prompts: records, the ToxiGen prompt-file format, JSONL, selection per group."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audit.datasets import LABELS, DatasetError, Label, read_raw_records
from audit.generation._prompt_lines import NotAPromptLineError, decode_prompt_line

# ToxiGen prompt-file group names -> the canonical names of the perplexity set.
TOXIGEN_FILE_GROUPS: dict[str, str] = {
    "asian": "asian",
    "black": "black",
    "chinese": "chinese",
    "jewish": "jewish",
    "latino": "latino",
    "lgbtq": "lgbtq",
    "mental_disability": "mental dis",
    "mexican": "mexican",
    "middle_east": "middle-eastern",
    "muslim": "muslim",
    "native_american": "native-american",
    "physical_disability": "physical dis",
    "women": "women",
}
_FILE_LABELS: dict[str, Label] = {"hate": "hate", "neutral": "neutral"}
PROMPT_FILE_PATTERN = re.compile(r"^(hate|neutral)_(.+)_1k\.txt$")


@dataclass(frozen=True, slots=True)
class Prompt:
    """One generation prompt about one group."""

    text: str
    """What the model is given, exactly: for a ToxiGen file, the string its generator wrote
    (demonstrations each `- ...` and a newline, then the open item `-`)."""
    group: str
    """The target group (canonical name for the 13 ToxiGen groups)."""
    label: Label
    """"hate" when the demonstrations are harmful, "neutral" when benign."""
    source: str
    """Where it came from: `file:line` or `builtin:sample:n`."""


@dataclass(frozen=True, slots=True)
class PromptSet:
    """Prompts with the provenance results must record."""

    name: str
    """What the user asked for: `toxigen-prompts`, `sample`, or a path."""
    source: str
    """Where the prompts were read from: a directory, file, URL or builtin."""
    sha256: str
    """Hash of the source bytes (files hashed in name order)."""
    prompts: tuple[Prompt, ...]
    """Every prompt read, grouped by group and label in source order."""

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(sorted({p.group for p in self.prompts}))

    def __len__(self) -> int:
        return len(self.prompts)


def read_prompt_file(path: Path, *, group: str, label: Label) -> list[Prompt]:
    """Every prompt of one `hate_<group>_1k.txt` / `neutral_<group>_1k.txt` file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=str(path)
        ) from exc
    prompts: list[Prompt] = []
    errors: list[tuple[int, str]] = []
    for row, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            prompt = decode_prompt_line(line)
        except NotAPromptLineError as exc:
            errors.append((row, str(exc)))
            continue
        prompts.append(Prompt(prompt, group, label, f"{path.name}:{row}"))
    if errors:
        # The files are written by a program, so one bad line means the file is not what
        # it claims to be (edited, truncated, another format): the load fails rather than
        # measure a silently different prompt set, and says how much of the file is bad.
        row, message = errors[0]
        if len(errors) > 1:
            message += f" ({len(errors)} lines of the file are not valid; this is the first)"
        raise DatasetError(message, source=str(path), row=row, field="prompt")
    if not prompts:
        raise DatasetError("no prompts in file", source=str(path))
    return prompts


def prompt_files(
    directory: Path, groups: Iterable[str] | None = None
) -> list[tuple[Path, str, Label]]:
    """(file, canonical group, label) of the prompt files in a directory, sorted by name.

    Without `groups`, the 13 canonical groups are taken; other files (bisexual,
    immigrant, trans, ...) are kept under their own names only when asked for.
    """
    wanted = set(groups) if groups is not None else set(TOXIGEN_FILE_GROUPS.values())
    found: list[tuple[Path, str, Label]] = []
    for path in sorted(directory.iterdir()):
        match = PROMPT_FILE_PATTERN.match(path.name)
        if not match:
            continue
        file_group = match.group(2)
        group = TOXIGEN_FILE_GROUPS.get(file_group, file_group)
        if group in wanted or file_group in wanted:
            found.append((path, group, _FILE_LABELS[match.group(1)]))
    return found


def _hash_files(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_prompt_directory(
    directory: Path, *, name: str | None = None, groups: Iterable[str] | None = None
) -> PromptSet:
    """A directory of ToxiGen prompt files as a PromptSet."""
    wanted = None if groups is None else list(groups)
    files = prompt_files(directory, wanted)
    if not files:
        raise DatasetError(
            "no ToxiGen prompt files (hate_<group>_1k.txt, neutral_<group>_1k.txt)"
            + (f" for groups {', '.join(wanted)}" if wanted else ""),
            source=str(directory),
        )
    if wanted:
        present = {g for _, g, _ in files} | {
            k for k, v in TOXIGEN_FILE_GROUPS.items() if v in {g for _, g, _ in files}
        }
        absent = [g for g in wanted if g not in present]
        if absent:
            raise DatasetError(
                f"no prompt files for group(s) {', '.join(absent)}", source=str(directory)
            )
    prompts = [
        p for path, group, label in files for p in read_prompt_file(path, group=group, label=label)
    ]
    return PromptSet(
        name=name or str(directory),
        source=str(directory),
        sha256=_hash_files([path for path, _, _ in files]),
        prompts=tuple(prompts),
    )


def read_prompt_jsonl(path: Path) -> PromptSet:
    """Users' own prompts: one {prompt, group, label} object per line."""
    source = str(path)
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise DatasetError(
            "prompt files must be JSONL (.jsonl) with {prompt, group, label}", source=source
        )
    prompts: list[Prompt] = []
    for row, record in enumerate(read_raw_records(path), start=1):
        for field in ("prompt", "group", "label"):
            if field not in record:
                raise DatasetError("missing field", source=source, row=row, field=field)
            if not isinstance(record[field], str) or not record[field].strip():
                raise DatasetError(
                    "must be a non-empty string", source=source, row=row, field=field
                )
        label = record["label"].strip().lower()
        if label not in LABELS:
            raise DatasetError(
                f"must be one of {', '.join(LABELS)}, got {{found}}",
                found=record["label"],
                source=source,
                row=row,
                field="label",
            )
        group = record["group"].strip()
        prompts.append(
            Prompt(
                text=record["prompt"],
                group=TOXIGEN_FILE_GROUPS.get(group, group),
                label="hate" if label == "hate" else "neutral",
                source=f"{path.name}:{row}",
            )
        )
    if not prompts:
        raise DatasetError("no prompts in file", source=source)
    return PromptSet(
        name=str(path), source=source, sha256=_hash_files([path]), prompts=tuple(prompts)
    )


def select_prompts(
    prompt_set: PromptSet,
    *,
    per_group: int | None,
    seed: int = 0,
    groups: Iterable[str] | None = None,
) -> PromptSet:
    """At most `per_group` prompts per group and label, drawn with `seed`, in source order.

    Each (group, label) cell draws with its own seeded generator, so adding a group or
    changing N for one cell never changes what another cell draws.
    """
    if per_group is not None and per_group < 1:
        raise ValueError(f"per_group must be at least 1, got {per_group}")
    wanted = None if groups is None else {TOXIGEN_FILE_GROUPS.get(g, g) for g in groups}
    cells: dict[tuple[str, str], list[Prompt]] = {}
    for prompt in prompt_set.prompts:
        if wanted is None or prompt.group in wanted:
            cells.setdefault((prompt.group, prompt.label), []).append(prompt)
    if wanted is not None:
        absent = sorted(wanted - {group for group, _ in cells})
        if absent:
            raise DatasetError(
                f"no prompts for group(s) {', '.join(absent)}", source=prompt_set.source
            )
    chosen: list[Prompt] = []
    for (group, label), members in sorted(cells.items()):
        if per_group is None or len(members) <= per_group:
            chosen.extend(members)
            continue
        picked = random.Random(f"{seed}:{group}:{label}").sample(range(len(members)), per_group)
        chosen.extend(members[i] for i in sorted(picked))
    return PromptSet(prompt_set.name, prompt_set.source, prompt_set.sha256, tuple(chosen))
