"""Checks on what a request asks the workers to load: models, data sets, prompts, classifiers.

The API is the trust boundary: a model reference becomes a hub id, a bundled alias, or
a path inside a configured root, and nothing else reaches the workers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn

from fastapi.exceptions import RequestValidationError

from api._settings import ApiSettings
from audit.datasets import (
    BUILTIN_DATASETS,
    REMOTE_DATASETS,
    Dataset,
    DatasetError,
    detect_format,
    load_dataset,
)
from audit.models import MODEL_ALIASES

MODEL_ROOTS = "TOXAUDIT_MODEL_ROOTS"

# Hugging Face repo ids: an optional namespace and a name of letters, digits, '-', '_', '.',
# neither starting with '.' or '-' and never containing '..' (checked separately).
HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


Location = str | tuple[str, ...]


def reject(field: Location, message: str, value: object = None) -> NoReturn:
    """A 422 in FastAPI's own validation-error shape, naming the body field."""
    loc = (field,) if isinstance(field, str) else field
    error: dict[str, Any] = {
        "type": "value_error",
        "loc": ("body", *loc),
        "msg": f"{'.'.join(loc)}: {message}",
    }
    if value is not None:
        error["input"] = value
    raise RequestValidationError([error])


def looks_like_path(reference: str) -> bool:
    return (
        reference.startswith(("/", ".", "~"))
        or "\\" in reference
        or reference.lower().endswith(".gguf")
        or reference.count("/") > 1
    )


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def under_roots(reference: str, roots: list[Path], field: Location, setting: str) -> Path:
    """An absolute path inside a root, resolved; nothing outside the roots is touched.

    The first check is on the text alone ('..' collapsed), so a path outside every root
    is refused before the filesystem is asked anything about it: not even whether it
    exists. Symlinks are then resolved (inside a root) and the result checked again.
    """
    if not roots:
        reject(field, f"local paths are not accepted: no {setting} is configured", reference)
    if not reference.startswith("/") or "\0" in reference:
        reject(field, "a local path must be absolute", reference)
    allowed = ", ".join(str(root) for root in roots)
    lexical = Path(os.path.normpath(reference))
    if not _inside(lexical, roots):
        reject(field, f"path is outside the allowed roots ({allowed})", reference)
    path = lexical.resolve()
    if not _inside(path, roots):
        reject(field, f"path is outside the allowed roots ({allowed})", reference)
    if not path.exists():
        reject(field, "no such file or directory", reference)
    return path


def _check_hub_id(reference: str, field: Location, expected: str) -> str:
    if ".." in reference or not HUB_ID.fullmatch(reference):
        reject(field, expected, reference)
    if Path(reference).exists():
        # The loaders try a local directory before the hub, so a hub-shaped name that is
        # also a relative path here would load that directory, outside every root. This
        # stat of the service's working directory is the one path check outside the roots:
        # it is what the loader itself would open.
        reject(
            field,
            "ambiguous: this name is also a local path relative to the service; "
            f"give an absolute path under {MODEL_ROOTS} instead",
            reference,
        )
    return reference


def check_model_reference(
    reference: str,
    roots: list[Path],
    field: Location = "model",
    *,
    aliases: Collection[str] = MODEL_ALIASES,
    model_files: bool = True,
) -> str:
    """The reference the workers will load: an alias, a hub id, or a resolved local path."""
    reference = reference.strip()
    if reference in aliases:
        return reference
    if looks_like_path(reference):
        path = under_roots(reference, roots, field, MODEL_ROOTS)
        if path.is_dir() and not (path / "config.json").is_file():
            reject(field, "the directory has no config.json", reference)
        if path.is_file() and (not model_files or path.suffix.lower() != ".gguf"):
            reject(
                field,
                "a model file must be a .gguf file" if model_files else "expected a directory",
                reference,
            )
        return str(path)
    named = f"an alias ({', '.join(sorted(aliases))}), " if aliases else ""
    return _check_hub_id(
        reference,
        field,
        f"expected a hub id like 'org/name', {named}or an absolute path under {MODEL_ROOTS}",
    )


def check_resamples(resamples: int, settings: ApiSettings) -> int:
    if resamples > settings.max_resamples:
        reject(
            ("options", "resamples"),
            f"at most {settings.max_resamples} (the service's bound, TOXAUDIT_MAX_RESAMPLES), "
            f"got {resamples}",
            resamples,
        )
    return resamples


def check_revision(revision: str | None) -> str | None:
    if revision is not None and ".." in revision:
        reject("revision", "a revision may not contain '..'", revision)
    return revision


def load_request_dataset(reference: str, roots: list[Path]) -> Dataset:
    """A registered set, or a well-formed file under the data-set roots, loaded and checked.

    Loading here makes a malformed file a 422 naming its row and field, rather than an audit
    that fails later on a worker; the audit stores the rows it was given.
    """
    reference = reference.strip()
    if reference not in BUILTIN_DATASETS and reference not in REMOTE_DATASETS:
        path = under_roots(reference, roots, "dataset", "TOXAUDIT_DATASET_ROOTS")
        if not path.is_file():
            reject("dataset", "not a file", reference)
        reference = str(path)
    try:
        if reference not in BUILTIN_DATASETS and reference not in REMOTE_DATASETS:
            detect_format(Path(reference))
        return load_dataset(reference)
    except DatasetError as exc:
        # Never the offending value: it is the file's content.
        reject("dataset", exc.public_message, reference)
