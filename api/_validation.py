"""Checks on what a request asks the workers to load: models and data sets.

The API is the trust boundary: a model reference becomes a hub id, a bundled alias, or
a path inside a configured root, and nothing else reaches the workers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn

from fastapi.exceptions import RequestValidationError

from audit.datasets import (
    BUILTIN_DATASETS,
    REMOTE_DATASETS,
    Dataset,
    DatasetError,
    detect_format,
    load_dataset,
)
from audit.models import MODEL_ALIASES

# Hugging Face repo ids: an optional namespace and a name of letters, digits, '-', '_', '.',
# neither starting with '.' or '-' and never containing '..' (checked separately).
HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def reject(field: str, message: str, value: object = None) -> NoReturn:
    """A 422 in FastAPI's own validation-error shape, naming the body field."""
    error: dict[str, Any] = {"type": "value_error", "loc": ("body", field), "msg": message}
    if value is not None:
        error["input"] = value
    raise RequestValidationError([error])


def _looks_like_path(reference: str) -> bool:
    return (
        reference.startswith(("/", ".", "~"))
        or "\\" in reference
        or reference.lower().endswith(".gguf")
        or reference.count("/") > 1
    )


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _under_roots(reference: str, roots: list[Path], field: str, setting: str) -> Path:
    if not roots:
        reject(field, f"local paths are not accepted: no {setting} is configured", reference)
    if not reference.startswith("/"):
        reject(field, "a local path must be absolute", reference)
    # Resolve symlinks and '..' before the check, so neither can leave the roots.
    path = Path(reference).resolve()
    if not _inside(path, roots):
        allowed = ", ".join(str(root) for root in roots)
        reject(field, f"path is outside the allowed roots ({allowed})", reference)
    if not path.exists():
        reject(field, "no such file or directory", reference)
    return path


def check_model_reference(reference: str, roots: list[Path]) -> str:
    """The reference the workers will load: an alias, a hub id, or a resolved local path."""
    reference = reference.strip()
    if reference in MODEL_ALIASES:
        return reference
    if _looks_like_path(reference):
        path = _under_roots(reference, roots, "model", "TOXAUDIT_MODEL_ROOTS")
        if path.is_dir() and not (path / "config.json").is_file():
            reject("model", "the directory has no config.json", reference)
        if path.is_file() and path.suffix.lower() != ".gguf":
            reject("model", "a model file must be a .gguf file", reference)
        return str(path)
    if ".." in reference or not HUB_ID.fullmatch(reference):
        aliases = ", ".join(sorted(MODEL_ALIASES))
        reject(
            "model",
            "expected a hub id like 'org/name', an alias "
            f"({aliases}), or an absolute path under TOXAUDIT_MODEL_ROOTS",
            reference,
        )
    if Path(reference).exists():
        # The loader tries a local directory before the hub, so a hub-shaped name that is
        # also a relative path here would load that directory, outside every root.
        reject(
            "model",
            "ambiguous: this name is also a local path relative to the service; "
            "give an absolute path under TOXAUDIT_MODEL_ROOTS instead",
            reference,
        )
    return reference


def check_revision(revision: str | None) -> str | None:
    if revision is not None and ".." in revision:
        reject("revision", "a revision may not contain '..'", revision)
    return revision


def load_request_dataset(reference: str, roots: list[Path]) -> Dataset:
    """A registered set, or a well-formed file under the data-set roots, loaded and checked.

    Loading here makes a malformed file a 422 naming its row and field, rather than a job
    that fails later on a worker; the job stores the rows it was given.
    """
    reference = reference.strip()
    if reference not in BUILTIN_DATASETS and reference not in REMOTE_DATASETS:
        path = _under_roots(reference, roots, "dataset", "TOXAUDIT_DATASET_ROOTS")
        if not path.is_file():
            reject("dataset", "not a file", reference)
        reference = str(path)
    try:
        if reference not in BUILTIN_DATASETS and reference not in REMOTE_DATASETS:
            detect_format(Path(reference))
        return load_dataset(reference)
    except DatasetError as exc:
        reject("dataset", str(exc), reference)
