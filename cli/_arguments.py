"""Old home of the shared argument types: they live in cli/_options.py now.

Kept only because cli/_audit.py and cli/_generate.py still import `positive_int`
from here; remove it once they import from cli._options.
"""

from __future__ import annotations

from cli._options import positive_int

__all__ = ["positive_int"]
