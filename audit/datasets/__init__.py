"""Evaluation sets for the safety score: records, formats, registered sources."""

from audit.datasets._download import DOWNLOAD_ERRORS, download_to
from audit.datasets._errors import DatasetError
from audit.datasets._formats import (
    FORMATS,
    canonical_sha256,
    detect_format,
    file_sha256,
    read_dataset,
    read_raw_records,
    sentence_record,
    write_records,
)
from audit.datasets._parsing import (
    ToxicityFiller,
    fill_toxicity_scores,
    parse_sentence,
    parse_sentences,
)
from audit.datasets._records import LABELS, TOXIGEN_GROUPS, Dataset, Label, Sentence
from audit.datasets._sample import sample_sentences
from audit.datasets._sources import (
    BUILTIN_DATASETS,
    REMOTE_DATASETS,
    RemoteDataset,
    cache_dir,
    load_dataset,
)

__all__ = [
    "BUILTIN_DATASETS",
    "DOWNLOAD_ERRORS",
    "FORMATS",
    "LABELS",
    "REMOTE_DATASETS",
    "TOXIGEN_GROUPS",
    "Dataset",
    "DatasetError",
    "Label",
    "RemoteDataset",
    "Sentence",
    "ToxicityFiller",
    "cache_dir",
    "canonical_sha256",
    "detect_format",
    "download_to",
    "file_sha256",
    "fill_toxicity_scores",
    "load_dataset",
    "parse_sentence",
    "parse_sentences",
    "read_dataset",
    "read_raw_records",
    "sample_sentences",
    "sentence_record",
    "write_records",
]
