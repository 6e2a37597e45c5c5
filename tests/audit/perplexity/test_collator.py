"""The Collator: length-sorted batches under a token budget, input order restored."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audit.perplexity import Collator


@given(
    lengths=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=60),
    budget=st.integers(min_value=1, max_value=200),
    max_rows=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
)
def test_batches_cover_everything_once_within_budget(
    lengths: list[int], budget: int, max_rows: int | None
) -> None:
    collator = Collator(lengths, lambda n: n)
    batches = list(collator.batches(budget, max_rows))
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or longest * len(batch) <= budget
        assert max_rows is None or len(batch) <= max_rows
    # Longest first: the first batch holds the longest row.
    assert max(lengths) in [lengths[i] for i in batches[0]]


@given(st.lists(st.text(max_size=5), min_size=1, max_size=30))
def test_restore_puts_results_back_in_input_order(items: list[str]) -> None:
    collator = Collator(items, len)
    results = {i: items[i].upper() for batch in collator.batches(7) for i in batch}
    assert Collator.restore(results, len(items)) == [s.upper() for s in items]


@given(
    lengths=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=60),
    budget=st.integers(min_value=1, max_value=2000),
)
def test_rows_per_item_count_against_the_budget(lengths: list[int], budget: int) -> None:
    # A masked LM turns a sentence of n tokens into n - 2 copies of n tokens each.
    collator = Collator(lengths, lambda n: n, rows=lambda n: n - 2)
    batches = list(collator.batches(budget))
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        copies = sum(max(1, lengths[i] - 2) for i in batch)
        assert len(batch) == 1 or longest * copies <= budget
