"""`evaluate`: the whole audit from typed options, the library's one entry point.

`toxaudit run` is this function plus argument parsing, printing and storing; the
workers run its parts per chunk (score_sentences with default_batch_tokens, then
build_result) and so write the same results.json.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from audit.datasets import Dataset
from audit.generation import GenerationAudit
from audit.models import LoadedModel, ModelSpec, load_model
from audit.perplexity import ProgressCallback
from audit.pipeline._journal import PerplexityJournal
from audit.pipeline._options import EvaluateOptions, EvaluateOptionsError
from audit.pipeline._run import run_audit
from audit.pipeline._stages import load_stage_dataset, plan_stages, run_stages
from audit.results import AuditResult, write_perplexities, write_results
from audit.scoring import ScoredSentence

JOURNAL_FILE = "perplexities.journal.jsonl"
RUN_FILES = ("results.json", "perplexities.json", "safety_scores.json")


def folder_name(name: str) -> str:
    """`name` as one safe folder name (letters, digits, `._-`): the default output folder of
    `toxaudit run`, of a sweep and of its checkpoints."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "run"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything one audit produced, for callers that need more than results.json."""

    result: AuditResult
    """results.json: scores, provenance and the stages' sections."""
    rows: Sequence[ScoredSentence]
    """Every sentence with its perplexity (or why it has none), in input order."""
    dataset: Dataset
    """The data set as read, before `limit` (what a stored audit records with its settings)."""
    loaded: LoadedModel
    """The model, still loaded."""
    generation: GenerationAudit | None
    """The generation audit, when options.generation was set."""
    report: str
    """The stages' tables as text; empty when no stage ran."""
    resumed_rows: int
    """Sentences whose perplexities came from an interrupted run's journal."""


def evaluate(
    model: str | Path | ModelSpec | LoadedModel,
    dataset: str | Path | Dataset,
    options: EvaluateOptions | None = None,
    *,
    name: str | None = None,
    output_dir: str | Path | None = None,
    progress: ProgressCallback | bool = True,
) -> AuditResult:
    """Audit one checkpoint on one data set: the safety score and the optional stages.

    `model` is a hub id, local directory, .gguf file or alias, a ModelSpec (revision,
    device, dtype, lm head) or an already loaded model; `dataset` is `toxigen`,
    `implicithate`, `sample`, a JSON/JSONL/CSV file or a Dataset. With `output_dir`,
    perplexities are journaled as they are computed (an interrupted call resumes where it
    stopped) and results.json, perplexities.json and safety_scores.json are written
    there, as `toxaudit run` writes them. Bad options raise EvaluateOptionsError naming
    the option; a bad data set DatasetError, a bad model ModelLoadError.
    """
    return run_evaluation(
        model, dataset, options, name=name, output_dir=output_dir, progress=progress
    ).result


def run_evaluation(
    model: str | Path | ModelSpec | LoadedModel,
    dataset: str | Path | Dataset,
    options: EvaluateOptions | None = None,
    *,
    name: str | None = None,
    output_dir: str | Path | None = None,
    progress: ProgressCallback | bool = True,
) -> Evaluation:
    """`evaluate`, returning the rows, the data set and the stages' outcome as well."""
    options = options or EvaluateOptions()
    directory = None if output_dir is None else Path(output_dir)
    # Everything cheap is checked before the model loads, so a typo costs nothing.
    stages = plan_stages(options)
    if isinstance(model, str | Path):
        model = ModelSpec(reference=str(model))
    requested_head = model.lm_head if isinstance(model, ModelSpec) else model.info.lm_head
    if stages.generation is not None and requested_head == "mlm":
        raise EvaluateOptionsError(
            "generation needs a causal LM; lm_head mlm scores a masked LM", option="generation"
        )
    data, classifier = load_stage_dataset(dataset, stages)
    if isinstance(model, LoadedModel):
        loaded, load_seconds = model, 0.0
    else:
        start = time.perf_counter()
        loaded = load_model(model)
        load_seconds = time.perf_counter() - start
    if stages.generation is not None and loaded.info.lm_head == "mlm":
        raise EvaluateOptionsError(
            f"generation needs a causal LM, and {loaded.info.spec.reference} is a masked LM",
            option="generation",
        )
    journal = None
    resumed = 0
    if directory is not None:
        journal = PerplexityJournal(
            directory / JOURNAL_FILE,
            {"model": loaded.info.spec.to_dict(), "dataset": data.sha256, "limit": options.limit},
        )
        resumed = len(journal.load())
        if resumed and progress is not False:
            print(
                f"resuming: {resumed} sentences already scored in {journal.path}", file=sys.stderr
            )
    result, rows = run_audit(
        loaded,
        data,
        name=name,
        options=options.audit_options(),
        load_seconds=load_seconds,
        progress=progress,
        journal=journal,
    )
    if directory is not None and journal is not None:
        directory.mkdir(parents=True, exist_ok=True)
        # Perplexities are saved before the optional stages run, so a failing stage loses nothing.
        write_perplexities(directory / "perplexities.json", rows)
        journal.remove()
    outcome = run_stages(
        stages,
        loaded,
        result,
        rows,
        output_dir=directory,
        classifier=classifier,
        toxicity_from=None if data.toxicity_source == "annotated" else data.toxicity_source,
    )
    result = outcome.result
    if directory is not None:
        (directory / "safety_scores.json").write_text(
            json.dumps(result.scores.safenlp()) + "\n", encoding="utf-8"
        )
        write_results(directory / "results.json", result)
    else:
        # Without files, results.json's pointer to the perplexities file would point nowhere.
        result = replace(result, perplexities_file=None)
    return Evaluation(
        result=result,
        rows=rows,
        dataset=data,
        loaded=loaded,
        generation=outcome.generation,
        report=outcome.report,
        resumed_rows=resumed,
    )
