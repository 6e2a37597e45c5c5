"""Data-set rows and their per-job perplexities: listings, statistics rows, paired rows.

One read shape per thing: `SentenceRow` (a row under one job; the text only from the
listings) and `PairedRow` (a row under two jobs), both over `RowFields`.
"""

from db.sentences._filters import group_contains
from db.sentences._job_rows import (
    load_job_dataset,
    load_job_sentences,
    load_scored_rows,
    scored_row_numbers,
)
from db.sentences._paired import paired_rows, paired_scored_sentences
from db.sentences._records import PairedRow, SentenceRow
from db.sentences._rows import list_sentences, scored_rows, sentence_texts

__all__ = [
    "PairedRow",
    "SentenceRow",
    "group_contains",
    "list_sentences",
    "load_job_dataset",
    "load_job_sentences",
    "load_scored_rows",
    "paired_rows",
    "paired_scored_sentences",
    "scored_row_numbers",
    "scored_rows",
    "sentence_texts",
]
