"""Loading torch checkpoints without running code from them.

A pickle can call any function while it loads, so a checkpoint someone else can name
(an audit's classifier, a file in a shared directory) is read with torch's weights-only
unpickler: tensors and built-in containers, nothing else. A file that needs more is
refused with the globals it asks for; only the command line can allow it.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

from audit.classifiers._protocol import ClassifierError

PICKLE_HINT = (
    "loading it would need full unpickling, which can run arbitrary code. Re-save it as a "
    "dict of tensors and plain values (or use a safetensors model with hf:); on the command "
    "line, --classifier-allow-pickle loads a file you trust"
)


def weights_only_load(
    source: str | Path, *, what: str, allow_pickle: bool = False, url: bool = False
) -> Any:
    """torch.load (or the torch hub download of `source` when `url`) with weights_only.

    Raises ClassifierError saying why when the file needs full unpickling.
    """
    import torch

    try:
        if url:
            return torch.hub.load_state_dict_from_url(
                str(source), map_location="cpu", weights_only=not allow_pickle
            )
        return torch.load(source, map_location="cpu", weights_only=not allow_pickle)
    except pickle.UnpicklingError as exc:
        # torch's message names the refused global on its first lines, then advice that
        # suggests weights_only=False: keep the name, drop the advice.
        first = str(exc).strip().splitlines()
        detail = next((line.strip() for line in first if "global" in line.lower()), "")
        raise ClassifierError(
            f"{what}: refused: {PICKLE_HINT}" + (f" ({detail})" if detail else "")
        ) from exc


def unsafe_checkpoint_globals(path: Path) -> list[str]:
    """The globals a torch.save checkpoint would import beyond weights-only ones.

    Read statically from the pickle's opcodes: nothing in the file runs. A file that is
    not a torch.save zip archive cannot be checked this way and is refused.
    """
    from torch.serialization import get_unsafe_globals_in_checkpoint

    if not zipfile.is_zipfile(path):
        raise ClassifierError(
            f"{path}: not a torch.save checkpoint (a zip archive); older pickle-only formats "
            "cannot be checked without unpickling them"
        )
    try:
        return sorted(get_unsafe_globals_in_checkpoint(str(path)))
    except (ValueError, RuntimeError, KeyError, zipfile.BadZipFile) as exc:
        raise ClassifierError(
            f"{path}: not a readable torch.save checkpoint ({type(exc).__name__})"
        ) from exc
