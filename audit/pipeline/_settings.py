"""The settings that decide "the same audit": what a stored audit's reuse key and a
sweep's resume check both hash.

An audit's numbers depend on its statistics (AuditOptions) and on how the model was
loaded (device, dtype, remote code, lm head, mask id); how an audit is cut into worker
tasks does not change them. `settings_hash` is the one key over these, used by the
database to reuse a finished twin and by `audit.sweep` to skip a checkpoint already
audited in its output directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from audit.pipeline._run import AuditOptions

if TYPE_CHECKING:
    from audit.models import ModelSpec
    from audit.results import AuditResult

# Model-loading settings that change the numbers, besides AuditOptions' statistics.
MODEL_SETTING_DEFAULTS: dict[str, Any] = {
    "device": "auto",
    "dtype": "auto",
    "trust_remote_code": False,
    "lm_head": "auto",
    "safenlp_mask_id": False,
}
# Settings added after audits were first stored: they take part in the reuse hash only
# when they differ from their default, so audits stored before them are still reused.
_HASHED_WHEN_SET = frozenset({"lm_head", "safenlp_mask_id"})
# How an audit is cut into tasks does not change its numbers, so it is no part of the reuse key.
_SCHEDULING_SETTINGS = frozenset({"chunk_size"})


def default_settings() -> dict[str, Any]:
    """Every scoring setting an audit records, with its default."""
    audit_defaults = {f.name: f.default for f in fields(AuditOptions)}
    return {**audit_defaults, **MODEL_SETTING_DEFAULTS}


def normalize_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with defaults filled in, so `{}` and the explicit defaults hash alike.

    Keys this module does not know (e.g. a `generation` section) are kept: they are
    part of what the audit computes, so they take part in the reuse hash too.
    """
    return {**default_settings(), **dict(settings)}


def settings_hash(settings: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the normalized scoring settings (the reuse key)."""
    defaults = default_settings()
    scoring = {
        k: v
        for k, v in normalize_settings(settings).items()
        if k not in _SCHEDULING_SETTINGS and not (k in _HASHED_WHEN_SET and v == defaults[k])
    }
    canonical = json.dumps(scoring, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def settings_for(options: AuditOptions, spec: ModelSpec) -> dict[str, Any]:
    """The settings of a local audit with these options of this model, as a stored audit
    records them (`toxaudit run --store`, `toxaudit sweep --store`)."""
    return {
        **{f.name: getattr(options, f.name) for f in fields(AuditOptions)},
        **{name: getattr(spec, name) for name in MODEL_SETTING_DEFAULTS},
    }


def settings_of(result: AuditResult) -> dict[str, Any]:
    """The settings a results.json was computed with, in the shape of `settings_for`.

    results.json records the token budget the audit used, which is the one it was
    given or, when none was, the device's default.
    """
    spec = result.model.get("spec", {})
    recorded = asdict(result.settings)
    return {
        **{f.name: recorded.get(f.name) for f in fields(AuditOptions)},
        **{name: spec.get(name, default) for name, default in MODEL_SETTING_DEFAULTS.items()},
    }
