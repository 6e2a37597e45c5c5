"""The evaluation record: one annotated sentence about one or more groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Label = Literal["hate", "neutral"]
LABELS: tuple[Label, ...] = ("hate", "neutral")

# The 13 demographics of the Phi-1.5/Phi-2 ToxiGen safety score, as spelled in the
# published SafeNLP data.
TOXIGEN_GROUPS: tuple[str, ...] = (
    "asian",
    "black",
    "chinese",
    "jewish",
    "latino",
    "lgbtq",
    "mental dis",
    "mexican",
    "middle-eastern",
    "muslim",
    "native-american",
    "physical dis",
    "women",
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One row of a safety-score evaluation set (the SafeNLP record)."""

    id: int
    """Row identifier, unique within the data set."""
    text: str
    """The sentence, scored as written."""
    label: Label
    """"hate" for a harmful sentence, "neutral" for a benign one."""
    toxicity_score: float
    """Annotated toxicity in [1, 5]; 1 is benign. Divides the perplexity."""
    target_groups: tuple[str, ...]
    """Every group the sentence is about; it counts once for each."""


@dataclass(frozen=True, slots=True)
class Dataset:
    """A validated evaluation set with the provenance that results must record."""

    name: str
    """What the user asked for: a registered name or the path given."""
    sentences: tuple[Sentence, ...]
    """Rows in input order."""
    sha256: str
    """Hash of the file's bytes (or of the canonical JSON for built-in sets)."""
    source: str
    """Where the rows came from: a path or URL."""
    toxicity_source: str = "annotated"
    """Where toxicity_score came from: "annotated" (the set's own), or what filled it in
    for a set that has none (the classifier of `toxaudit run --classifier-weighted`)."""

    @property
    def groups(self) -> tuple[str, ...]:
        """The target groups named by any row, sorted."""
        return tuple(sorted({g for s in self.sentences for g in s.target_groups}))

    def __len__(self) -> int:
        return len(self.sentences)
