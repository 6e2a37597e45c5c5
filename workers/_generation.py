"""The generation stage of an audit: the options of `settings.generation` to audit.generation.

An audit whose settings carry a `generation` section asks for continuations, classifier
scores and generation metrics on top of the safety score. The stage runs with the
aggregation, on the `gpu` queue (it needs the model); db.record_generation stores it
so that a redelivered stage writes nothing twice. Its section joins the audit's results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def generation_requested(settings: Mapping[str, Any]) -> bool:
    """The audit's settings ask for a generation audit."""
    return bool(settings.get("generation"))
