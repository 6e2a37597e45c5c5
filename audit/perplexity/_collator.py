"""Length-sorted batching that restores input order (after lm-evaluation-harness's Collator)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Collator(Generic[T]):
    """Sorts requests longest first, cuts them into batches, and puts results back in order.

    Longest first means the largest batch shape runs at the start, so running out of
    memory shows up at once rather than after an hour, and rows of similar length
    share a batch, so little compute goes to padding.
    """

    def __init__(
        self,
        items: Sequence[T],
        length: Callable[[T], int],
        rows: Callable[[T], int] | None = None,
    ) -> None:
        self._items = items
        self._lengths = [length(item) for item in items]
        # Model input rows per item: 1 for a causal LM, one masked copy per scored
        # position for a masked LM, so the budget counts what the forward pass holds.
        self._rows = [max(1, rows(item)) if rows is not None else 1 for item in items]
        self._order = sorted(range(len(items)), key=lambda i: (-self._lengths[i], i))

    def batches(self, token_budget: int, max_rows: int | None = None) -> Iterator[list[int]]:
        """Indices (into the input) of each batch, in sorted order.

        A batch holds as many items as fit `input rows * longest_row <= token_budget`,
        always at least one item, and never more than `max_rows` items.
        """
        if token_budget < 1:
            raise ValueError(f"token_budget must be positive, got {token_budget}")
        batch: list[int] = []
        longest = rows = 0
        for index in self._order:
            length = max(1, self._lengths[index])
            width = max(longest, length)
            too_many = max_rows is not None and len(batch) >= max_rows
            if batch and (too_many or width * (rows + self._rows[index]) > token_budget):
                yield batch
                batch, width, rows = [], length, 0
            batch.append(index)
            longest = width
            rows += self._rows[index]
        if batch:
            yield batch

    @staticmethod
    def restore(results: dict[int, R], size: int) -> list[R]:
        """Results keyed by input index, as a list in input order."""
        missing = [i for i in range(size) if i not in results]
        if missing:
            raise RuntimeError(f"{len(missing)} rows were never scored (first: {missing[0]})")
        return [results[i] for i in range(size)]
