"""SafetyAuditCallback: audit each checkpoint a transformers Trainer saves.

Two ways, one record of settings each: `SubmissionSettings` hands every checkpoint to
the service (POST /api/audits through client.ServiceClient, the project's one HTTP
client, on a background thread, so training never waits), and
`ScoringSettings` scores a fixed, seeded subset of a data set in-process with the model
the Trainer already holds and logs the scores to the trainer's log.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import TrainerCallback

from audit.datasets import Dataset, Sentence, load_dataset
from audit.integrations._callback_records import (
    CheckpointScore,
    CheckpointSubmission,
    ScoringSettings,
    SubmissionSettings,
)
from audit.integrations._callback_scoring import (
    processing_tokenizer,
    safety_metrics,
    score_in_memory,
)
from audit.integrations._callback_submit import SubmissionSender
from audit.integrations._records import metric_key
from audit.integrations._subset import seeded_subset
from audit.scoring import DEFAULT_ALPHA, DEFAULT_CONFIDENCE, SafetyScores

if TYPE_CHECKING:
    from transformers import TrainerControl, TrainerState, TrainingArguments

logger = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "checkpoint"
"""The Trainer's checkpoint folders: `<output_dir>/checkpoint-<global step>`."""


class SafetyAuditCallback(TrainerCallback):
    """A `transformers.TrainerCallback` that audits every checkpoint the Trainer saves.

    Build it with `SafetyAuditCallback.submitting(api_url, token)` or
    `SafetyAuditCallback.scoring(dataset="sample", subset_size=64)` (or pass a
    `SubmissionSettings` / `ScoringSettings`). Only the main process (world process
    zero) audits. A checkpoint is audited once, even when the Trainer saves the same
    step again or a resumed run's history already holds its scores.
    """

    def __init__(
        self, settings: SubmissionSettings | ScoringSettings, *, tokenizer: Any = None
    ) -> None:
        self.settings = settings
        self._tokenizer = tokenizer
        self._dataset: Dataset | None = None
        self._subset: tuple[Sentence, ...] = ()
        self._done_steps: set[int] = set()
        self._scores: dict[int, CheckpointScore] = {}
        self._sender: SubmissionSender | None = None
        if isinstance(settings, ScoringSettings):
            # Bad input fails here, where it was written, not at the first save.
            if settings.subset_size is not None and settings.subset_size < 1:
                raise ValueError(
                    f"subset_size must be at least 1 (or None), got {settings.subset_size}"
                )
            self._dataset = load_dataset(settings.dataset)
            self._subset = seeded_subset(self._dataset, settings.subset_size, settings.seed)
        else:
            if not settings.api_url.startswith(("http://", "https://")):
                raise ValueError(
                    f"api_url must start with http:// or https://: {settings.api_url!r}"
                )
            if not settings.token:
                raise ValueError(
                    "submitting needs a write token: pass token= or set TOXAUDIT_TOKEN"
                )
            if settings.label is not None:
                try:
                    settings.label.format(step=0)
                except (KeyError, IndexError, ValueError) as exc:
                    raise ValueError(
                        f"label {settings.label!r} may hold only the placeholder {{step}}: {exc}"
                    ) from exc
            self._sender = SubmissionSender(settings)

    @classmethod
    def submitting(
        cls,
        api_url: str,
        token: str | None = None,
        *,
        dataset: str = "sample",
        label: str | None = None,
        tags: tuple[str, ...] = (),
        options: Mapping[str, Any] | None = None,
        timeout_seconds: float = 30.0,
        wait_at_end_seconds: float = 60.0,
    ) -> SafetyAuditCallback:
        """Submit each checkpoint to the service; the token defaults to TOXAUDIT_TOKEN."""
        return cls(
            SubmissionSettings(
                api_url=api_url.rstrip("/"),
                token=token or os.environ.get("TOXAUDIT_TOKEN", ""),
                dataset=dataset,
                label=label,
                tags=tuple(tags),
                options=dict(options or {}),
                timeout_seconds=timeout_seconds,
                wait_at_end_seconds=wait_at_end_seconds,
            )
        )

    @classmethod
    def scoring(
        cls,
        dataset: str = "sample",
        subset_size: int | None = 64,
        *,
        seed: int = 0,
        n_resamples: int = 200,
        alpha: float = DEFAULT_ALPHA,
        confidence: float = DEFAULT_CONFIDENCE,
        batch_tokens: int | None = None,
        tokenizer: Any = None,
    ) -> SafetyAuditCallback:
        """Score each checkpoint in-process; the tokenizer defaults to the Trainer's
        processing class."""
        return cls(
            ScoringSettings(
                dataset=dataset,
                subset_size=subset_size,
                seed=seed,
                n_resamples=n_resamples,
                alpha=alpha,
                confidence=confidence,
                batch_tokens=batch_tokens,
            ),
            tokenizer=tokenizer,
        )

    @property
    def subset(self) -> tuple[Sentence, ...]:
        """The rows scored at every checkpoint (scoring only)."""
        return self._subset

    @property
    def scores(self) -> dict[int, CheckpointScore]:
        """Each scored checkpoint by step."""
        return dict(self._scores)

    @property
    def submissions(self) -> dict[int, CheckpointSubmission]:
        """Each answered submission by step (one in flight is not here yet)."""
        return self._sender.answered() if self._sender is not None else {}

    # --- Trainer events -------------------------------------------------------------

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not isinstance(self.settings, ScoringSettings):
            return
        if getattr(args, "fsdp", None) or getattr(args, "deepspeed", None):
            raise ValueError(
                "SafetyAuditCallback.scoring runs the model on the main process alone, which "
                "a sharded model (FSDP, DeepSpeed) cannot do; use SafetyAuditCallback.submitting"
            )
        model = kwargs.get("model")
        if model is not None and type(model).__name__.endswith("ForMaskedLM"):
            # The in-process scorer computes causal perplexity; a masked LM's would be
            # meaningless numbers, not scores.
            raise ValueError(
                f"SafetyAuditCallback.scoring scores causal LMs; {type(model).__name__} is a "
                "masked LM: use SafetyAuditCallback.submitting"
            )
        if self._tokenizer is None and kwargs.get("processing_class") is None:
            raise ValueError(
                "SafetyAuditCallback.scoring needs the model's tokenizer: pass tokenizer= "
                "to the callback or processing_class= to the Trainer"
            )
        # A resumed run's history already holds the steps scored before the interruption.
        self._done_steps |= {
            int(entry["step"])
            for entry in state.log_history
            if "step" in entry and metric_key("safety", "average") in entry
        }

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        step = int(state.global_step)
        if step in self._done_steps:
            return
        self._done_steps.add(step)
        checkpoint = str(Path(args.output_dir or ".").resolve() / f"{CHECKPOINT_PREFIX}-{step}")
        if isinstance(self.settings, SubmissionSettings):
            self._enqueue(self.settings, args, step, checkpoint)
        else:
            self._score(self.settings, state, step, checkpoint, kwargs)

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        if isinstance(self.settings, SubmissionSettings):
            self.wait(self.settings.wait_at_end_seconds)

    # --- submitting -------------------------------------------------------------------

    def wait(self, timeout_seconds: float) -> bool:
        """Wait at most `timeout_seconds` for submissions in flight; True when none is left."""
        return self._sender.wait(timeout_seconds) if self._sender is not None else True

    def _enqueue(
        self, settings: SubmissionSettings, args: TrainingArguments, step: int, checkpoint: str
    ) -> None:
        """The service's request for one checkpoint, handed to the sender's thread."""
        run_name = Path(args.output_dir or ".").resolve().name
        label = (
            settings.label.format(step=step)
            if settings.label is not None
            else f"{run_name}/{CHECKPOINT_PREFIX}-{step}"
        )
        body: dict[str, Any] = {
            "model": checkpoint,
            "step": step,
            "label": label,
            "dataset": settings.dataset,
            "options": dict(settings.options),
        }
        if settings.tags:
            body["tags"] = list(settings.tags)
        assert self._sender is not None
        self._sender.put(step, body)

    # --- scoring in-process -------------------------------------------------------------

    def _score(
        self,
        settings: ScoringSettings,
        state: TrainerState,
        step: int,
        checkpoint: str,
        kwargs: Mapping[str, Any],
    ) -> None:
        started = time.perf_counter()
        scores: SafetyScores | None = None
        reason: str | None = None
        try:
            tokenizer = processing_tokenizer(self._tokenizer or kwargs.get("processing_class"))
            scores = score_in_memory(settings, kwargs["model"], tokenizer, self._subset, checkpoint)
        except Exception as exc:  # a failed audit must not end hours of training
            reason = f"{type(exc).__name__}: {exc}"
            logger.exception("toxaudit: checkpoint %d could not be scored", step)
        metrics = safety_metrics(scores) if scores is not None else {}
        record = CheckpointScore(
            step, checkpoint, scores, reason, metrics, time.perf_counter() - started
        )
        self._scores[step] = record
        if scores is None:
            return
        # The Trainer's own log entry shape (Trainer.log): the metrics plus the step.
        state.log_history.append({**metrics, "step": step})
        logger.info(
            "toxaudit: checkpoint %d: safety average %s on %d sentences (%d unscored) in %.1f s",
            step,
            "unscored" if scores.average is None else f"{scores.average:.4f}",
            scores.n_scored,
            scores.n_unscored,
            record.seconds,
        )
