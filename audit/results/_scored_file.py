"""results.json for perplexities computed elsewhere (`toxaudit score --output-dir`).

SafeNLP's own script, another harness or a vLLM job can write the SafeNLP
perplexities format; scoring such a file into a run directory gives the same
three files `toxaudit run` writes, so `toxaudit gate` compares it like any run.
What toxaudit did not see (the model, the token budget, truncation) is recorded
as unknown (null), never guessed; the file itself is recorded by path, sha256
and record count.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audit.datasets import Dataset, DatasetError, canonical_sha256, file_sha256
from audit.results._audit_result import AuditResult, AuditSettings, DatasetRef
from audit.results._provenance import machine_description, software_versions
from audit.scoring import ScoredSentence, safety_scores

COMPUTED_ELSEWHERE = "outside toxaudit: perplexities read from a file"
"""The `model.computed_by` of a result scored from a perplexities file."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """The perplexities file a result was scored from: results.json's "input" section."""

    path: str
    """Absolute path of the file as read."""
    sha256: str
    """Hash of the file's bytes."""
    n_records: int
    """Records in the file."""
    n_scored: int
    """Records with a finite perplexity; the rest are unscored with their reason."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_same_sentences(rows: Sequence[ScoredSentence], dataset: Dataset, source: str) -> None:
    """Raise DatasetError, naming the row and field, unless every row is a sentence of `dataset`.

    Rows may be a subset (a run with --limit) in any order; each must match the
    data set's sentence of the same id in text, label, toxicity and groups.
    """
    by_id = {s.id: s for s in dataset.sentences}
    for number, row in enumerate(rows, start=1):
        sentence = row.sentence
        known = by_id.get(sentence.id)
        if known is None:
            raise DatasetError(
                f"id {sentence.id} is not in the data set {dataset.name!r}",
                source=source,
                row=number,
                field="id",
            )
        for field in ("text", "label", "toxicity_score", "target_groups"):
            if getattr(sentence, field) != getattr(known, field):
                raise DatasetError(
                    f"differs from sentence {sentence.id} of the data set {dataset.name!r}",
                    source=source,
                    row=number,
                    field=field,
                )


def result_from_perplexities(
    rows: Sequence[ScoredSentence],
    path: Path,
    *,
    name: str,
    model_name: str | None = None,
    dataset: Dataset | None = None,
    alpha: float,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> AuditResult:
    """A AuditResult for `rows`, read from the perplexities file at `path`.

    The data set is identified by the hash of its sentence records
    (`canonical_sha256`: id, text, label, toxicity_score, target_groups, without
    the perplexities), so two files of perplexities over the same sentences,
    from any two models, compare; the built-in `sample` set hashes the same way,
    so they also compare with `toxaudit run --dataset sample`. With `dataset`
    (the set the perplexities were computed on, checked row by row), the data set
    is recorded as `toxaudit run --dataset` records it, so the result compares
    with runs on that set, e.g. `toxigen`.
    """
    start = time.perf_counter()
    scores = safety_scores(
        rows, alpha=alpha, confidence=confidence, n_resamples=n_resamples, seed=seed
    )
    seconds = time.perf_counter() - start
    source = str(path.resolve())
    sentences = [row.sentence for row in rows]
    input_file = InputFile(
        path=source,
        sha256=file_sha256(path),
        n_records=len(rows),
        n_scored=sum(1 for row in rows if row.perplexity is not None),
    )
    if dataset is None:
        reference = DatasetRef(str(path), source, canonical_sha256(sentences), len(rows))
    else:
        check_same_sentences(rows, dataset, str(path))
        reference = DatasetRef(dataset.name, dataset.source, dataset.sha256, len(rows))
    return AuditResult(
        name=name,
        model={"reference": model_name, "computed_by": COMPUTED_ELSEWHERE},
        dataset=reference,
        settings=AuditSettings(
            batch_tokens=None,
            alpha=alpha,
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
        ),
        scores=scores,
        unscored=dict(Counter(r.unscored_reason for r in rows if r.unscored_reason)),
        truncated=None,
        timings={"statistics_seconds": seconds},
        software=software_versions(),
        machine=machine_description(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        extra={"input": input_file.to_dict()},
    )
