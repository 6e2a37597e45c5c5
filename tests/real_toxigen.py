"""Where tests find the real ToxiGen evaluation set, from any clone.

In order: `../shared/toxigen/toxiGen.json` beside the checkout (the project's machines
and CI), the user cache that `--dataset toxigen` fills (only a file with the published
sha256), then one quick download into that cache. A test that needs the set skips,
saying how to provide it, only when all three fail. The file is never copied into the
repository.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audit.datasets import (
    DOWNLOAD_ERRORS,
    REMOTE_DATASETS,
    cache_dir,
    download_to,
    file_sha256,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED_TOXIGEN = ROOT.parent / "shared" / "toxigen" / "toxiGen.json"
TOXIGEN = REMOTE_DATASETS["toxigen"]
# Offline, name resolution fails at once; a network that drops packets should not hold
# the test session for the library's 60 s either.
DOWNLOAD_TIMEOUT_S = 10.0

Downloader = Callable[[str, Path], Path]
"""(url, target) -> the partial file written, as `audit.datasets.download_to`."""


def _quick_download(url: str, target: Path) -> Path:
    return download_to(url, target, timeout=DOWNLOAD_TIMEOUT_S)


def toxigen_cache_file() -> Path:
    """Where `toxaudit ... --dataset toxigen` keeps the downloaded set."""
    return cache_dir() / "datasets" / TOXIGEN.filename


@dataclass(frozen=True)
class Found:
    """The outcome of the search."""

    path: Path | None
    """The file to read, or None when no source gave it."""
    tried: tuple[str, ...]
    """What each source that did not give it said, in order."""
    shared: Path
    """Where the shared copy was looked for."""
    cache: Path
    """Where the verified cached copy was looked for (and a download goes)."""

    def skip_reason(self) -> str:
        return (
            "the real ToxiGen set (toxiGen.json) is not available: "
            + "; ".join(self.tried)
            + f". Provide it by placing the file at {self.shared}, or at {self.cache} "
            f"(sha256 {TOXIGEN.sha256}; any toxaudit command given `--dataset toxigen` puts "
            f"it there when online; it is published at {TOXIGEN.url})"
        )


def find_real_toxigen(
    shared: Path = SHARED_TOXIGEN,
    cached: Path | None = None,
    download: Downloader | None = _quick_download,
) -> Found:
    """The real set from the first source that has it; see the module docstring."""
    tried: list[str] = []
    cached = cached if cached is not None else toxigen_cache_file()

    def found(path: Path | None) -> Found:
        return Found(path, tuple(tried), shared, cached)

    if shared.is_file():
        return found(shared)
    tried.append(f"no {shared}")
    if cached.is_file():
        if file_sha256(cached) == TOXIGEN.sha256:
            return found(cached)
        tried.append(f"{cached} does not have the published sha256")
    else:
        tried.append(f"no {cached}")
    if download is None:
        tried.append("downloads are off")
        return found(None)
    try:
        partial = download(TOXIGEN.url, cached)
    except DOWNLOAD_ERRORS as exc:
        tried.append(f"the download failed ({exc})")
        return found(None)
    if file_sha256(partial) != TOXIGEN.sha256:
        partial.unlink(missing_ok=True)
        tried.append("the download does not have the published sha256")
        return found(None)
    partial.replace(cached)
    return found(cached)
