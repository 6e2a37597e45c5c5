"""results.json: one audit's scores with everything needed to reproduce them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.scoring import SafetyScores

RESULTS_SCHEMA_VERSION = 1


class ResultsError(ValueError):
    """A results file that cannot be read; the message names the file and field."""


@dataclass(frozen=True, slots=True)
class DatasetRef:
    """The evaluation set a result was computed on."""

    name: str
    """Registered name or path, as given."""
    source: str
    """Where the rows were read from."""
    sha256: str
    """Hash of the data."""
    n_sentences: int
    """Rows in the set (after --limit)."""


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """Settings that change the scores; their hash keys result reuse."""

    batch_tokens: int | None
    """Token budget per forward pass (does not change the numbers beyond float noise);
    None when the perplexities were computed outside toxaudit (`toxaudit score`)."""
    alpha: float
    """Significance level."""
    confidence: float
    """Confidence level of intervals."""
    n_resamples: int
    """Bootstrap resamples."""
    seed: int
    """Bootstrap seed."""
    limit: int | None = None
    """Only the first N rows were scored, when set."""


@dataclass(frozen=True, slots=True)
class AuditResult:
    """Everything `toxaudit run` learned about one checkpoint on one data set."""

    name: str
    """The user's label for this checkpoint (defaults to the model reference)."""
    model: dict[str, Any]
    """ModelInfo: reference, revision, resolved path, architecture, device, dtype."""
    dataset: DatasetRef
    """The evaluation set."""
    settings: AuditSettings
    """Settings that produced the scores."""
    scores: SafetyScores
    """Per-group scores, intervals, p-values, counts and the average."""
    unscored: dict[str, int]
    """Sentences without a perplexity, by reason."""
    truncated: int | None
    """Sentences cut to the model's context; None when unknown (perplexities computed
    outside toxaudit)."""
    timings: dict[str, float]
    """Seconds spent loading, scoring perplexities and computing statistics."""
    software: dict[str, str | None]
    """Package versions."""
    machine: dict[str, Any]
    """Machine facts (CPU count, GPU name)."""
    created_at: str
    """ISO 8601 time the run finished, UTC."""
    perplexities_file: str | None = "perplexities.json"
    """Per-sentence perplexities beside this file, for paired comparisons."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Other sections (e.g. "generation") added by optional stages."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scores"] = self.scores.to_dict()
        out["schema_version"] = RESULTS_SCHEMA_VERSION
        extra = out.pop("extra")
        out.update(extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "results") -> AuditResult:
        known = set(cls.__dataclass_fields__) | {"schema_version"}
        try:
            return cls(
                name=data["name"],
                model=data["model"],
                dataset=DatasetRef(**data["dataset"]),
                settings=AuditSettings(**data["settings"]),
                scores=SafetyScores.from_dict(data["scores"]),
                unscored=data.get("unscored", {}),
                truncated=None
                if "truncated" in data and data["truncated"] is None
                else int(data.get("truncated", 0)),
                timings=data.get("timings", {}),
                software=data.get("software", {}),
                machine=data.get("machine", {}),
                created_at=data.get("created_at", ""),
                perplexities_file=data.get("perplexities_file"),
                extra={k: v for k, v in data.items() if k not in known},
            )
        except KeyError as exc:
            raise ResultsError(f"{source}: missing field {exc.args[0]!r}") from exc
        except TypeError as exc:
            raise ResultsError(f"{source}: malformed results ({exc})") from exc


def write_results(path: Path, result: AuditResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tmp.replace(path)


def read_results(path: Path) -> AuditResult:
    source = str(path)
    if not path.exists():
        raise ResultsError(f"{source}: file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ResultsError(f"{source}: expected a JSON object, found {type(data).__name__}")
    return AuditResult.from_dict(data, source=source)
