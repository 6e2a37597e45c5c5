"""Resolving a prompt reference: `toxigen-prompts`, `sample`, a directory, or a JSONL file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from audit.datasets import DOWNLOAD_ERRORS, DatasetError, cache_dir, download_to
from audit.generation._prompts import (
    TOXIGEN_FILE_GROUPS,
    PromptSet,
    read_prompt_directory,
    read_prompt_jsonl,
)
from audit.generation._sample import sample_prompts

TOXIGEN_PROMPTS_URL = "https://raw.githubusercontent.com/microsoft/TOXIGEN/main/prompts/"
PROMPT_SOURCES: dict[str, str] = {
    "toxigen-prompts": "the ToxiGen prompt files of the 13 groups (hate and neutral), "
    f"downloaded once from {TOXIGEN_PROMPTS_URL}",
    "sample": "a small synthetic prompt set the project wrote itself: 13 groups, both labels",
}


# Groups with prompt files in the ToxiGen repository beyond the 13 of the safety score.
TOXIGEN_EXTRA_GROUPS: tuple[str, ...] = ("bisexual", "immigrant", "trans")


def toxigen_prompt_filenames(extra_groups: Iterable[str] = ()) -> list[str]:
    """The 26 files of the 13 canonical groups, plus those of extra groups asked for."""
    groups = [*TOXIGEN_FILE_GROUPS, *(g for g in extra_groups if g in TOXIGEN_EXTRA_GROUPS)]
    return [f"{label}_{group}_1k.txt" for group in groups for label in ("hate", "neutral")]


def download_toxigen_prompts(
    target: Path, *, base_url: str = TOXIGEN_PROMPTS_URL, extra_groups: Iterable[str] = ()
) -> Path:
    """Fetch the prompt files into `target` (kept between runs); errors say what to do."""
    target.mkdir(parents=True, exist_ok=True)
    for filename in toxigen_prompt_filenames(extra_groups):
        path = target / filename
        if path.exists():
            continue
        url = base_url + filename
        try:
            partial = download_to(url, path)
        except DOWNLOAD_ERRORS as exc:
            raise DatasetError(
                f"could not download {url} ({exc}). With no network, copy the prompt files "
                f"(hate_<group>_1k.txt, neutral_<group>_1k.txt) into a directory and pass it "
                f"as --prompts DIR, or place them in {target}",
                source="toxigen-prompts",
            ) from exc
        partial.replace(path)
    return target


def load_prompts(reference: str, *, groups: Iterable[str] | None = None) -> PromptSet:
    """A registered prompt set, a directory of ToxiGen prompt files, or a JSONL file."""
    wanted = None if groups is None else list(groups)
    if reference == "sample":
        prompts = sample_prompts()
        digest = hashlib.sha256(
            json.dumps([asdict(p) for p in prompts], sort_keys=True).encode()
        ).hexdigest()
        return PromptSet("sample", "builtin:sample", digest, prompts)
    if reference == "toxigen-prompts":
        directory = download_toxigen_prompts(
            cache_dir() / "toxigen-prompts", extra_groups=wanted or ()
        )
        return read_prompt_directory(directory, name=reference, groups=wanted)
    path = Path(reference).expanduser()
    if path.is_dir():
        return read_prompt_directory(path, groups=wanted)
    if path.is_file():
        return read_prompt_jsonl(path)
    raise DatasetError(
        f"no such file or directory, and not a registered prompt set ({', '.join(PROMPT_SOURCES)})",
        source=reference,
    )
