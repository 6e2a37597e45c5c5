"""Fetching a published file into the cache, never leaving half a file behind."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

DOWNLOAD_ERRORS: tuple[type[BaseException], ...] = (urllib.error.URLError, OSError, TimeoutError)
"""What a failed download raises; callers turn it into an error that says what to do."""


def download_to(url: str, target: Path, *, timeout: float = 60) -> Path:
    """Stream `url` to `target.part`; returns that partial path for the caller to check.

    On failure the partial file is removed and the original exception propagates.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
    except DOWNLOAD_ERRORS:
        partial.unlink(missing_ok=True)
        raise
    return partial
