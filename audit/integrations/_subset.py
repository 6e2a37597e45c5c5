"""The fixed, seeded subset of a data set that the training callback scores."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from audit.datasets import Dataset, Sentence


def seeded_subset(dataset: Dataset, size: int | None, seed: int) -> tuple[Sentence, ...]:
    """`size` rows of `dataset`, the same for the same seed, in the set's own order.

    Rows are drawn round-robin over strata of (target groups, label), each stratum
    shuffled with the seed, so a small subset still holds harmful and neutral rows of
    every group (a group missing a label could not be scored). `None`, or a size at
    least the set's length, is the whole set.
    """
    if size is not None and size < 1:
        raise ValueError(f"subset_size must be at least 1 (or None for the whole set), got {size}")
    sentences = dataset.sentences
    if size is None or size >= len(sentences):
        return sentences
    strata: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(list)
    for index, sentence in enumerate(sentences):
        strata[(tuple(sorted(sentence.target_groups)), sentence.label)].append(index)
    rng = np.random.default_rng(seed)
    queues = [list(rng.permutation(strata[key])) for key in sorted(strata)]
    chosen: list[int] = []
    depth = 0
    while len(chosen) < size:
        for queue in queues:
            if depth < len(queue) and len(chosen) < size:
                chosen.append(int(queue[depth]))
        depth += 1
    return tuple(sentences[i] for i in sorted(chosen))
