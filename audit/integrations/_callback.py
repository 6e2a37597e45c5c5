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
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import TrainerCallback

from audit.datasets import Dataset, Sentence, load_dataset
from audit.integrations._records import metric_key
from audit.integrations._subset import seeded_subset
from audit.models import LoadedModel, ModelInfo, ModelSpec, context_length
from audit.pipeline import score_sentences
from audit.scoring import DEFAULT_ALPHA, DEFAULT_CONFIDENCE, SafetyScores, safety_scores

if TYPE_CHECKING:
    from transformers import TrainerControl, TrainerState, TrainingArguments

    from client import ServiceClient

logger = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "checkpoint"
"""The Trainer's checkpoint folders: `<output_dir>/checkpoint-<global step>`."""


@dataclass(frozen=True, slots=True)
class SubmissionSettings:
    """Submit each saved checkpoint to the toxaudit service (`POST {api_url}/api/audits`)."""

    api_url: str
    """The service's base URL, e.g. http://audits.internal:8000."""
    token: str = field(repr=False)
    """A write token (`toxaudit token create`); sent as `Authorization: Bearer`."""
    dataset: str = "sample"
    """`sample`, `toxigen`, or a file under the service's TOXAUDIT_DATASET_ROOTS."""
    label: str | None = None
    """The checkpoint's display name, `{step}` replaced by the step; default:
    `<output_dir name>/checkpoint-<step>`."""
    tags: tuple[str, ...] = ()
    """Free-form tags of every submitted audit."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The request's `options` (alpha, resamples, seed, limit, batch_tokens, chunk_size,
    generation), as `toxaudit submit` sends them; the service checks them."""
    timeout_seconds: float = 30.0
    """Per request; a request that takes longer is logged as failed."""
    wait_at_end_seconds: float = 60.0
    """How long `on_train_end` waits for submissions still in flight."""


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    """Score each saved checkpoint in-process on a seeded subset of a data set."""

    dataset: str = "sample"
    """`sample`, `toxigen`, or the path of a JSON, JSONL or CSV set."""
    subset_size: int | None = 64
    """Rows scored per checkpoint (`seeded_subset`); None scores the whole set."""
    seed: int = 0
    """Seed of the subset and of the bootstrap."""
    n_resamples: int = 200
    """Bootstrap resamples of the intervals: fewer than an audit's 1,000, to keep
    training moving."""
    alpha: float = DEFAULT_ALPHA
    """Significance level of the per-group test."""
    confidence: float = DEFAULT_CONFIDENCE
    """Confidence level of the intervals."""
    batch_tokens: int | None = None
    """Token budget per forward pass; default: the device's (audit.pipeline)."""


@dataclass(frozen=True, slots=True)
class CheckpointScore:
    """What scoring one checkpoint in-process gave."""

    step: int
    """The training step (global_step) of the checkpoint."""
    checkpoint: str
    """The checkpoint's directory (the weights scored are the model in memory at the save)."""
    scores: SafetyScores | None
    """The safety scores; None when scoring failed."""
    unscored_reason: str | None
    """Why there are no scores (the error), else None."""
    metrics: dict[str, float]
    """What went into the trainer's log: `safety/average`, its interval and
    `safety/group/<group>` of every scored group (an unscored group is left out)."""
    seconds: float
    """Wall time of the scoring."""


@dataclass(frozen=True, slots=True)
class CheckpointSubmission:
    """What the service answered for one submitted checkpoint."""

    step: int
    """The training step (global_step) of the checkpoint."""
    model: str
    """The absolute checkpoint directory sent as `model`."""
    audit_id: int | None
    """The service's audit id; None when the submission failed."""
    error: str | None
    """Why the submission failed (unreachable, refused with the service's detail), else None."""


def _processing_tokenizer(candidate: Any) -> Any:
    # A multimodal processor carries its tokenizer; a tokenizer is used as it is.
    inner = getattr(candidate, "tokenizer", None)
    return inner if inner is not None and callable(inner) else candidate


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
        self._submissions: dict[int, CheckpointSubmission] = {}
        self._queue: queue.Queue[tuple[int, dict[str, Any]]] = queue.Queue()
        self._sender: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition()
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
        with self._idle:
            return dict(self._submissions)

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
        with self._idle:
            drained = self._idle.wait_for(lambda: self._pending == 0, timeout_seconds)
            if not drained:
                logger.warning(
                    "toxaudit: %d checkpoint submission(s) still in flight after %.0f s; "
                    "they continue in the background while the process lives",
                    self._pending,
                    timeout_seconds,
                )
            return drained

    def _enqueue(
        self, settings: SubmissionSettings, args: TrainingArguments, step: int, checkpoint: str
    ) -> None:
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
        with self._idle:
            self._pending += 1
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(
                    target=self._send_all, args=(settings,), name="toxaudit-submit", daemon=True
                )
                self._sender.start()
        self._queue.put((step, body))

    def _send_all(self, settings: SubmissionSettings) -> None:
        from client import ServiceClient

        with ServiceClient(
            settings.api_url, token=settings.token, timeout=settings.timeout_seconds
        ) as client:
            while True:
                step, body = self._queue.get()
                try:
                    record = self._send(client, step, body)
                except Exception as exc:  # never let the thread die: log and go on
                    logger.exception("toxaudit: submitting checkpoint %d failed", step)
                    record = CheckpointSubmission(step, body["model"], None, repr(exc))
                with self._idle:
                    self._submissions[step] = record
                    self._pending -= 1
                    self._idle.notify_all()

    def _send(self, client: ServiceClient, step: int, body: dict[str, Any]) -> CheckpointSubmission:
        from client import ServiceError

        model = str(body["model"])
        try:
            job = client.submit(body)
        except ServiceError as exc:  # unreachable, refused (with the service's reason)
            logger.warning("toxaudit: checkpoint %d not submitted: %s", step, exc)
            return CheckpointSubmission(step, model, None, str(exc))
        try:
            audit_id = int(job["id"])
        except (ValueError, KeyError, TypeError) as exc:
            error = f"the service answered without an audit id: {exc!r}"
            logger.warning("toxaudit: checkpoint %d: %s", step, error)
            return CheckpointSubmission(step, model, None, error)
        logger.info("toxaudit: checkpoint %d submitted as audit %d", step, audit_id)
        return CheckpointSubmission(step, model, audit_id, None)

    # --- scoring in-process -------------------------------------------------------------

    def _score(
        self,
        settings: ScoringSettings,
        state: TrainerState,
        step: int,
        checkpoint: str,
        kwargs: Mapping[str, Any],
    ) -> None:
        import torch

        started = time.perf_counter()
        scores: SafetyScores | None = None
        reason: str | None = None
        modes: list[tuple[Any, bool]] = []
        try:
            model = kwargs["model"]
            tokenizer = _processing_tokenizer(self._tokenizer or kwargs.get("processing_class"))
            # Each module's own mode, so a module the user froze in eval mode stays so.
            modes = [(module, module.training) for module in model.modules()]
            model.eval()
            parameter = next(model.parameters())
            loaded = LoadedModel(
                model=model,
                tokenizer=tokenizer,
                info=ModelInfo(
                    spec=ModelSpec(reference=checkpoint, device=str(parameter.device)),
                    resolved_path=checkpoint,
                    model_type=str(model.config.model_type),
                    parameters=sum(p.numel() for p in model.parameters()),
                    device=str(parameter.device),
                    dtype=str(parameter.dtype).removeprefix("torch."),
                    max_length=context_length(model, tokenizer),
                    commit=None,
                ),
            )
            with torch.inference_mode():
                rows, _run = score_sentences(
                    loaded, self._subset, batch_tokens=settings.batch_tokens, progress=False
                )
            scores = safety_scores(
                rows,
                alpha=settings.alpha,
                confidence=settings.confidence,
                n_resamples=settings.n_resamples,
                seed=settings.seed,
            )
        except Exception as exc:  # a failed audit must not end hours of training
            reason = f"{type(exc).__name__}: {exc}"
            logger.exception("toxaudit: checkpoint %d could not be scored", step)
        finally:
            for module, training in modes:
                module.training = training
        metrics = _metrics(scores) if scores is not None else {}
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


def _metrics(scores: SafetyScores) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for name, value in (
        ("average", scores.average),
        ("average_ci_low", scores.average_ci_low),
        ("average_ci_high", scores.average_ci_high),
    ):
        if value is not None:
            metrics[metric_key("safety", name)] = float(value)
    for group in scores.groups:
        if group.score is not None:
            metrics[metric_key("safety", "group", group.group)] = float(group.score)
    return metrics
