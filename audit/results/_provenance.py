"""Software versions and machine facts that every result records."""

from __future__ import annotations

import importlib.metadata
import platform
import sys


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def software_versions() -> dict[str, str | None]:
    """Versions of Python and the packages that change the numbers."""
    versions: dict[str, str | None] = {"python": sys.version.split()[0]}
    for package in ("toxaudit", "torch", "transformers", "tokenizers", "numpy", "scipy"):
        versions[package] = _version(package)
    return versions


def machine_description() -> dict[str, str | int | None]:
    """The machine the numbers came from."""
    import os

    facts: dict[str, str | int | None] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpu": None,
    }
    try:
        import torch

        if torch.cuda.is_available():
            facts["gpu"] = torch.cuda.get_device_name(0)
        facts["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return facts
