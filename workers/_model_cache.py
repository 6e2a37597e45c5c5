"""A small per-process cache of loaded models, so consecutive chunks skip the load."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.models import LoadedModel, ModelSpec

Loader = Callable[["ModelSpec"], "LoadedModel"]


def _default_loader(spec: ModelSpec) -> LoadedModel:
    from audit.models import load_model

    return load_model(spec)


class ModelCache:
    """Least-recently-used models keyed by ModelSpec; one per worker process.

    The default size is 1: a GPU rarely holds two checkpoints comfortably, and chunks
    of one audit arrive together, so one slot already avoids almost every reload.
    """

    def __init__(self, size: int = 1, loader: Loader | None = None) -> None:
        self._size = size
        self._loader = loader or _default_loader
        self._models: OrderedDict[ModelSpec, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0
        """Models loaded so far (tests and logs read it)."""
        self.last_load_seconds = 0.0
        """Seconds the last load took."""

    def get(self, spec: ModelSpec) -> LoadedModel:
        """The loaded model for `spec`, loading it (and evicting the oldest) if needed."""
        with self._lock:
            if spec in self._models:
                self._models.move_to_end(spec)
                return self._models[spec]
            while len(self._models) >= self._size:
                # Drop the reference before loading the next model, so its memory is free.
                self._models.popitem(last=False)
            start = time.perf_counter()
            loaded = self._loader(spec)
            self.last_load_seconds = time.perf_counter() - start
            self.loads += 1
            self._models[spec] = loaded
            return loaded

    def clear(self) -> None:
        with self._lock:
            self._models.clear()

    def __len__(self) -> int:
        return len(self._models)
