"""An append-only journal of perplexities, so an interrupted run resumes where it stopped."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from audit.scoring import ScoredSentence


class JournalEntry(NamedTuple):
    """What the journal holds for one row."""

    perplexity: float | None
    unscored_reason: str | None
    truncated: bool


class PerplexityJournal:
    """JSON lines: a header naming the model and data, then one line per scored row.

    A journal whose header does not match the current run (another model, revision
    or data set) is set aside, never mixed in.
    """

    def __init__(self, path: Path, identity: dict[str, Any]) -> None:
        self.path = path
        self.identity = identity

    def load(self) -> dict[int, JournalEntry]:
        """Rows already scored, by row number."""
        if not self.path.exists():
            return {}
        lines = self.path.read_text(encoding="utf-8").splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            header = None
        if header != {"journal": self.identity}:
            self.path.replace(self.path.with_name(self.path.name + ".stale"))
            return {}
        done: dict[int, JournalEntry] = {}
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                break  # a line cut short by the interruption: everything before it is good
            done[int(entry["row"])] = JournalEntry(
                entry["perplexity"], entry.get("unscored_reason"), entry.get("truncated", False)
            )
        return done

    def append(self, rows: Iterable[tuple[int, ScoredSentence]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        with self.path.open("a", encoding="utf-8") as handle:
            if new:
                handle.write(json.dumps({"journal": self.identity}) + "\n")
            for row, scored in rows:
                entry: dict[str, Any] = {"row": row, "perplexity": scored.perplexity}
                if scored.unscored_reason:
                    entry["unscored_reason"] = scored.unscored_reason
                if scored.truncated:
                    entry["truncated"] = True
                handle.write(json.dumps(entry) + "\n")
            handle.flush()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
