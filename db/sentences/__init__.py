"""Data-set rows and their per-audit perplexities: listings, statistics rows, paired rows.

One read shape per thing: `SentenceRow` (a row under one audit; the text only from the
listings) and `PairedRow` (a row under two audits), both over `RowFields`.
"""

from db.sentences._audit_rows import (
    load_audit_dataset,
    load_audit_sentences,
    load_scored_rows,
    scored_row_numbers,
)
from db.sentences._filters import group_contains
from db.sentences._paired import paired_rows, paired_scored_sentences
from db.sentences._records import PairedRow, SentenceRow
from db.sentences._rows import list_sentences, scored_rows, sentence_texts

__all__ = [
    "PairedRow",
    "SentenceRow",
    "group_contains",
    "list_sentences",
    "load_audit_dataset",
    "load_audit_sentences",
    "load_scored_rows",
    "paired_rows",
    "paired_scored_sentences",
    "scored_row_numbers",
    "scored_rows",
    "sentence_texts",
]
