"""Scoring many texts in bounded batches, keeping every failure visible."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from audit.classifiers._protocol import (
    Classifier,
    ClassifierError,
    ResponseClassifier,
    ResponseScores,
)
from audit.perplexity import Collator

DEFAULT_CLASSIFIER_BATCH = 32


@dataclass(frozen=True, slots=True)
class TextScores:
    """A classifier's label probabilities for one text, or why it has none."""

    scores: Mapping[str, float] | None
    """{label: probability in [0, 1]} for every label; None when unscored."""
    unscored_reason: str | None = None
    """Why there are no scores (empty text, the classifier failed on it); None when scored."""
    categories: tuple[str, ...] | None = None
    """Policy categories a guard named for the text (Llama Guard's S1..S14); None if none."""


def _check(row: Mapping[str, float], labels: Sequence[str]) -> str | None:
    """Why a classifier output cannot be used as probabilities, or None when it can."""
    missing = [label for label in labels if label not in row]
    if missing:
        return f"classifier output lacks label(s) {', '.join(missing)}"
    bad = [label for label in labels if not (math.isfinite(row[label]) and 0 <= row[label] <= 1)]
    if bad:
        return f"classifier gave a non-probability for {bad[0]}: {row[bad[0]]!r}"
    return None


def _judge(
    classifier: Classifier, texts: Sequence[str], prompts: Sequence[str] | None
) -> Callable[[list[int]], list[ResponseScores]]:
    """Scores the texts at some indices, as responses to their prompts when it can."""
    if prompts is not None and isinstance(classifier, ResponseClassifier):
        responder = classifier
        return lambda batch: responder.score_responses(
            [prompts[i] for i in batch], [texts[i] for i in batch]
        )
    return lambda batch: [
        ResponseScores(row) for row in classifier.score([texts[i] for i in batch])
    ]


def score_texts(
    classifier: Classifier,
    texts: Sequence[str],
    *,
    batch_size: int = DEFAULT_CLASSIFIER_BATCH,
    progress: Callable[[int, int], None] | None = None,
    prompts: Sequence[str] | None = None,
) -> list[TextScores]:
    """Scores of every text in input order, batched by length, at most `batch_size` at a time.

    With `prompts` (one per text), a ResponseClassifier judges each text as the
    response to its prompt; other classifiers ignore the prompts.

    Empty texts are unscored. A batch that raises is retried one text at a time, so
    one bad text cannot void its neighbours; a text that fails alone is unscored
    with the error. If nothing at all can be scored the classifier is broken and
    that is an error, never a page of zeros.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if prompts is not None and len(prompts) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(prompts)} prompts")
    judge = _judge(classifier, texts, prompts)
    labels = classifier.info.labels
    results: dict[int, TextScores] = {}
    todo: list[int] = []
    for index, text in enumerate(texts):
        if text.strip():
            todo.append(index)
        else:
            results[index] = TextScores(None, "empty text: nothing to classify")
    first_error: BaseException | None = None
    scored = 0
    collator = Collator([texts[i] for i in todo], len)
    pending = [[todo[j] for j in batch] for batch in collator.batches(1 << 62, batch_size)]
    pending.reverse()
    done = len(texts) - len(todo)
    while pending:
        batch = pending.pop()
        try:
            rows = judge(batch)
            if len(rows) != len(batch):
                raise ClassifierError(
                    f"classifier returned {len(rows)} results for {len(batch)} texts"
                )
        except Exception as exc:
            if len(batch) > 1:
                pending.extend([i] for i in reversed(batch))
                continue
            first_error = first_error or exc
            results[batch[0]] = TextScores(
                None, f"classifier failed on this text: {type(exc).__name__}: {exc}"
            )
            done += 1
            continue
        for index, row in zip(batch, rows, strict=True):
            problem = _check(row.scores, labels)
            if problem is None:
                results[index] = TextScores(
                    {label: float(row.scores[label]) for label in labels},
                    categories=row.categories,
                )
                scored += 1
            else:
                results[index] = TextScores(None, problem)
        done += len(batch)
        if progress is not None:
            progress(done, len(texts))
    if todo and scored == 0 and first_error is not None:
        raise ClassifierError(
            f"{classifier.info.spec} failed on every text; first error: "
            f"{type(first_error).__name__}: {first_error}"
        ) from first_error
    return Collator.restore(results, len(texts))
