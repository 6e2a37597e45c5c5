"""`toxaudit run --classifier-weighted` on a set without toxicity_score: fill it in first."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.classifiers import Classifier
    from audit.datasets import Dataset
    from cli._generate import RunStages


def load_run_dataset(
    args: argparse.Namespace, stages: RunStages
) -> tuple[Dataset, Classifier | None]:
    """The data set of `toxaudit run`, and the classifier if loading it needed one.

    Only with --classifier-weighted may a set lack toxicity_score: every row's is then
    1 + 4 * p_toxic from the classifier, which is loaded for that (once; the later
    stages reuse it). Without the flag the loader requires the field, as the plain
    safety score does.
    """
    from audit.datasets import load_dataset

    if not args.classifier_weighted or stages.classifier is None:
        return load_dataset(args.dataset), None
    from audit.classifiers import load_classifier
    from audit.generation import toxicity_filler

    spec = stages.classifier
    loaded: list[Classifier] = []

    def fill(texts: Sequence[str]) -> Sequence[float | str]:
        classifier = load_classifier(spec)
        loaded.append(classifier)
        return toxicity_filler(classifier, batch_size=args.classifier_batch)(texts)

    dataset = load_dataset(args.dataset, fill_toxicity=fill, filled_by=f"classifier {spec}")
    return dataset, (loaded[0] if loaded else None)
