"""Data-set rows and their per-job perplexities: listings, statistics rows, paired rows."""

from db.sentences._filters import group_contains
from db.sentences._job_rows import (
    load_job_dataset,
    load_job_sentences,
    load_scored_rows,
    scored_row_numbers,
)
from db.sentences._paired import PairedRow, paired_rows, paired_scored_sentences
from db.sentences._rows import ScoredRow, SentenceRow, list_sentences, scored_rows, sentence_texts

__all__ = [
    "PairedRow",
    "ScoredRow",
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
