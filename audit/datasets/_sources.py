"""Resolving a data-set reference: a registered name or a file path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from audit.datasets._download import DOWNLOAD_ERRORS, download_to
from audit.datasets._errors import DatasetError
from audit.datasets._formats import canonical_sha256, file_sha256, read_dataset
from audit.datasets._parsing import ToxicityFiller
from audit.datasets._records import Dataset
from audit.datasets._sample import sample_sentences


def cache_dir() -> Path:
    """Where downloads and converted models are kept (TOXAUDIT_CACHE_DIR overrides)."""
    override = os.environ.get("TOXAUDIT_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("toxaudit"))


@dataclass(frozen=True, slots=True)
class RemoteDataset:
    """A published evaluation set fetched over HTTPS and pinned by hash."""

    name: str
    """The registered name users type."""
    url: str
    """Where the file is published."""
    sha256: str
    """The expected hash; a download that differs is rejected."""
    filename: str
    """The file name in the cache."""
    description: str
    """One line for `--help` and listings."""


REMOTE_DATASETS: dict[str, RemoteDataset] = {
    "toxigen": RemoteDataset(
        name="toxigen",
        url="https://raw.githubusercontent.com/microsoft/SafeNLP/main/data/toxiGen.json",
        sha256="42863b997f545833b8c9bfe7fc950aeaccc274d49f7386384db147face745fc3",
        filename="toxiGen.json",
        description="the 6,514-sentence ToxiGen subset behind the Phi-2 safety score (SafeNLP)",
    ),
    "implicithate": RemoteDataset(
        name="implicithate",
        url="https://raw.githubusercontent.com/microsoft/SafeNLP/main/data/implicitHate.json",
        sha256="119771b0b5332de9922a180eec11ca83b303b6acfccbc358ea1a3f4c08125320",
        filename="implicitHate.json",
        description="SafeNLP's 14,200-sentence ImplicitHate set: one group, all_groups",
    ),
}

BUILTIN_DATASETS: dict[str, str] = {
    "sample": "a small synthetic set the project wrote itself: 13 groups, both labels",
}


def _download(remote: RemoteDataset, target: Path) -> None:
    try:
        partial = download_to(remote.url, target)
    except DOWNLOAD_ERRORS as exc:
        raise DatasetError(
            f"could not download the '{remote.name}' set from {remote.url} ({exc}). "
            f"With no network, pass the file itself (--dataset /path/to/{remote.filename}) "
            f"or place it at {target}",
            source=remote.name,
        ) from exc
    digest = file_sha256(partial)
    if digest != remote.sha256:
        partial.unlink(missing_ok=True)
        raise DatasetError(
            f"downloaded file has sha256 {digest}, expected {remote.sha256}; refusing to use it",
            source=remote.url,
        )
    partial.replace(target)


def load_dataset(
    reference: str, *, fill_toxicity: ToxicityFiller | None = None, filled_by: str = "a classifier"
) -> Dataset:
    """A registered name (`toxigen`, `implicithate`, `sample`) or a path to a JSON, JSONL or
    CSV file.

    `fill_toxicity` fills toxicity_score in for a file that has none (see read_dataset);
    the registered sets are all annotated.
    """
    if reference in BUILTIN_DATASETS:
        sentences = sample_sentences()
        return Dataset(
            name=reference,
            sentences=sentences,
            sha256=canonical_sha256(sentences),
            source=f"builtin:{reference}",
        )
    if reference in REMOTE_DATASETS:
        remote = REMOTE_DATASETS[reference]
        target = cache_dir() / "datasets" / remote.filename
        if not target.exists() or file_sha256(target) != remote.sha256:
            _download(remote, target)
        return read_dataset(target, name=reference)
    path = Path(reference).expanduser()
    if not path.exists():
        known = ", ".join(sorted([*BUILTIN_DATASETS, *REMOTE_DATASETS]))
        raise DatasetError(
            f"no such file, and not a registered data set ({known})", source=reference
        )
    return read_dataset(path, fill_toxicity=fill_toxicity, filled_by=filled_by)
