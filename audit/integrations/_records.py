"""What a tracker receives from one audit: flat parameters and metrics."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.generation import section_classifier_name
from audit.results import AuditResult

GENERATION_METRICS = (
    "mean_toxicity",
    "toxic_fraction",
    "expected_max_toxicity",
    "toxicity_probability",
)
"""The generation section's per-group, per-label metrics, each logged when it has a value."""

AGREEMENT_COEFFICIENTS = ("kappa", "rho")
"""The agreement of two classifiers per group and label, each logged when it is defined."""

ParamValue = str | int | float | bool


class TrackerError(RuntimeError):
    """A tracker that is not installed or refused what was logged; the message says which."""


@dataclass(frozen=True, slots=True)
class TrackerPayload:
    """One audit, flattened for an experiment tracker."""

    params: dict[str, ParamValue]
    """Model, data and settings: what produced the scores ("toxaudit/..." keys)."""
    metrics: dict[str, float]
    """Average, every scored group, every generation metric with a value. A group or
    metric that could not be scored is left out, never logged as 0."""
    step: int | None
    """The checkpoint's training step, when known; trackers plot the metrics against it."""


MAX_KEY_PART = 64
"""Characters of one key part at most: MLflow refuses keys over 250 characters, and an
agreement key holds two classifier names (a local path can be any length) and a group."""


def metric_key(*parts: str) -> str:
    """A key every tracker accepts: letters, digits and `_-. /` only (MLflow's rule), each
    part at most MAX_KEY_PART characters (a longer one keeps its start and a hash of the
    whole, so two long names stay two keys)."""
    return "/".join(_key_part(part) for part in parts)


def _key_part(part: str, *, hashed: bool = False) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_\-. ]+", "_", part)
    if len(cleaned) <= MAX_KEY_PART and not hashed:
        return cleaned
    digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned[: MAX_KEY_PART - 9]}-{digest}"


def _classifier_key_parts(names: list[str]) -> dict[str, str]:
    """Each classifier's name as a key part. Two names that clean to one part
    (`hf:org/model` and `hf:org_model`) each get a hash of the whole name, so one's
    metrics never overwrite the other's. A part is a fixed point of `_key_part`, so
    `metric_key` keeps it as it is."""
    cleaned = {name: _key_part(name) for name in names}
    counts: dict[str, int] = {}
    for part in cleaned.values():
        counts[part] = counts.get(part, 0) + 1
    return {
        name: _key_part(name, hashed=True) if counts[part] > 1 else part
        for name, part in cleaned.items()
    }


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _params(result: AuditResult) -> dict[str, ParamValue]:
    params: dict[str, ParamValue] = {"toxaudit/name": result.name}
    # ModelInfo keeps the request (reference, revision, ...) under "spec".
    spec = result.model.get("spec")
    model = {**result.model, **(spec if isinstance(spec, Mapping) else {})}
    for key, value in sorted(model.items()):
        if isinstance(value, str | int | float | bool):
            params[f"toxaudit/model.{key}"] = value
    dataset = result.dataset
    params |= {
        "toxaudit/dataset.name": dataset.name,
        "toxaudit/dataset.sha256": dataset.sha256,
        "toxaudit/dataset.n_sentences": dataset.n_sentences,
        "toxaudit/alpha": result.settings.alpha,
        "toxaudit/confidence": result.settings.confidence,
        "toxaudit/n_resamples": result.settings.n_resamples,
        "toxaudit/seed": result.settings.seed,
    }
    if result.settings.limit is not None:
        params["toxaudit/limit"] = result.settings.limit
    for package, version in sorted(result.software.items()):
        if version:
            params[f"toxaudit/version.{package}"] = version
    generation = result.extra.get("generation")
    if isinstance(generation, Mapping):
        name = section_classifier_name(generation)
        if name is not None:
            params["toxaudit/generation.classifier"] = name
        classifiers = generation.get("classifiers")
        if isinstance(classifiers, list):
            names = [c.get("name") for c in classifiers if isinstance(c, Mapping)]
            named = [n for n in names if isinstance(n, str)]
            if classifiers and len(named) == len(classifiers):
                params["toxaudit/generation.classifiers"] = ", ".join(named)
    return params


def _generation_metrics(section: Any) -> dict[str, float]:
    """The headline classifier's metrics as `generation/<metric>/<group>/<label>`; with
    several classifiers also each one's, `generation/classifier/<name>/<metric>/...`, and
    their agreement, `generation/agreement/<kappa|rho>/<first>/<second>/<group>/<label>`
    with `/ci_low` and `/ci_high` beside it."""
    if not isinstance(section, Mapping):
        return {}
    out = _cell_metrics(section.get("metrics"), ("generation",))
    classifiers = section.get("classifiers")
    audits = [
        audit
        for audit in (classifiers if isinstance(classifiers, list) else [])
        if isinstance(audit, Mapping) and isinstance(audit.get("name"), str)
    ]
    agreement = section.get("agreement")
    pairs = [
        pair
        for pair in (agreement if isinstance(agreement, list) else [])
        if isinstance(pair, Mapping)
        and isinstance(pair.get("classifiers"), list)
        and len(pair["classifiers"]) == 2
    ]
    names = [a["name"] for a in audits] + [str(n) for p in pairs for n in p["classifiers"]]
    part = _classifier_key_parts(list(dict.fromkeys(names)))
    for audit in audits:
        prefix = ("generation", "classifier", part[audit["name"]])
        out |= _cell_metrics(audit.get("metrics"), prefix)
    for pair in pairs:
        first, second = (part[str(n)] for n in pair["classifiers"])
        where = (str(pair.get("group")), str(pair.get("label")))
        for coefficient in AGREEMENT_COEFFICIENTS:
            estimate = pair.get(coefficient)
            if not isinstance(estimate, Mapping):
                continue  # undefined in this cell: left out, never logged as 0
            for suffix, field in (("", "value"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
                value = _finite(estimate.get(field))
                if value is not None:
                    parts = ("generation", "agreement", coefficient, first, second, *where)
                    out[metric_key(*parts, *((suffix,) if suffix else ()))] = value
    return out


def _cell_metrics(entries: Any, prefix: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        group, label = str(entry.get("group")), str(entry.get("label"))
        for metric in GENERATION_METRICS:
            estimate = entry.get(metric)
            value = _finite(estimate.get("value") if isinstance(estimate, Mapping) else estimate)
            if value is not None:
                out[metric_key(*prefix, metric, group, label)] = value
    return out


def tracker_payload(result: AuditResult, *, step: int | None = None) -> TrackerPayload:
    """The parameters and metrics of one audit."""
    scores = result.scores
    metrics: dict[str, float] = {}
    for name, value in (
        ("average", scores.average),
        ("average_ci_low", scores.average_ci_low),
        ("average_ci_high", scores.average_ci_high),
    ):
        if _finite(value) is not None:
            metrics[metric_key("safety", name)] = float(value)  # type: ignore[arg-type]
    metrics[metric_key("safety", "significant_groups")] = float(
        sum(1 for g in scores.groups if g.significant)
    )
    for group in scores.groups:
        for suffix, value in (
            ("", group.score),
            ("ci_low", group.ci_low),
            ("ci_high", group.ci_high),
        ):
            number = _finite(value)
            if number is not None:
                parts = ("safety", "group", group.group, *((suffix,) if suffix else ()))
                metrics[metric_key(*parts)] = number
    metrics |= _generation_metrics(result.extra.get("generation"))
    return TrackerPayload(_params(result), metrics, step)
