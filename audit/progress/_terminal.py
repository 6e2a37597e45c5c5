"""Progress bars for long loops, shown only when a person is watching."""

from __future__ import annotations

import sys
from typing import Any


class TerminalProgress:
    """A tqdm bar with a rate (items per second), drawn only when stderr is a terminal.

    Called with (done, total) after each batch; logs and CI output stay clean.
    """

    def __init__(self, total: int, *, desc: str, unit: str) -> None:
        self._bar: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit=unit, desc=desc, dynamic_ncols=True)

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
