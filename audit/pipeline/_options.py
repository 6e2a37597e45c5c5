"""The typed options of a whole audit: what `audit.evaluate` runs, and the CLI's flags map to."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from audit.generation import GenerationOptions
from audit.pipeline._run import AuditOptions


class EvaluateOptionsError(ValueError):
    """Options of an audit that cannot run; the message names the option by its library name."""

    def __init__(self, message: str, *, option: str) -> None:
        self.option = option
        """The option at fault (a field of EvaluateOptions, e.g. `limit`)."""
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ClassifierWeightedOptions:
    """The classifier-weighted safety score: toxicity_score = 1 + 4 * p_toxic from a classifier.

    The field names are those of GenerationOptions, so one classifier serves both stages.
    """

    classifier: str
    """`detoxify:<variant or checkpoint>`, `hf:<hub id or directory>`, `guard:<...>` or
    `profanity-check`."""
    classifier_batch: int = 32
    """Texts per classifier batch."""
    classifier_config: str | None = None
    """detoxify: a directory with the base model's config and tokenizer (offline use)."""
    classifier_labels: str | None = None
    """hf: output names, `0=neutral,1=toxic` or `neutral,toxic`; None: the config's."""
    toxic_label: str | None = None
    """hf: the label that means toxic; None: chosen by name."""
    classifier_device: str | None = None
    """Device of the classifier; None: cpu."""
    guard_policy: str | None = None
    """guard: the policy the guard judges against; None: the family's default."""
    guard_family: str | None = None
    """guard: `llama-guard`, `shieldgemma` or `granite-guardian`; None: told from the model."""


@dataclass(frozen=True, slots=True)
class EvaluateOptions(AuditOptions):
    """Everything `audit.evaluate` runs besides the model and the data set: the audit's
    statistics and scoring (AuditOptions' fields: alpha in (0, 1), confidence in (0, 1),
    n_resamples >= 0, seed >= 0, batch_tokens >= 1 or None, limit >= 1 or None), checked
    here, and the optional stages."""

    generation: GenerationOptions | None = None
    """Also run the generation audit (a causal LM only); adds `generation` to results.json."""
    classifier_weighted: ClassifierWeightedOptions | None = None
    """Also compute the classifier-weighted safety score; a data set without
    toxicity_score gets it filled in by this classifier, and its score is then this one."""
    classifier_allow_pickle: bool = False
    """DANGEROUS: let a Detoxify checkpoint that needs full unpickling load (it runs any
    code the file holds); only for files you trust."""

    def __post_init__(self) -> None:
        for option in ("alpha", "confidence"):
            value = getattr(self, option)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EvaluateOptionsError(f"{option} must be a number", option=option)
            if not (math.isfinite(value) and 0 < value < 1):
                raise EvaluateOptionsError(
                    f"{option} must be between 0 and 1, got {value}", option=option
                )
        optional = ("batch_tokens", "limit")
        for option, least in (("n_resamples", 0), ("seed", 0), ("batch_tokens", 1), ("limit", 1)):
            value = getattr(self, option)
            if value is None and option in optional:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise EvaluateOptionsError(f"{option} must be an integer", option=option)
            if value < least:
                raise EvaluateOptionsError(
                    f"{option} must be at least {least}, got {value}", option=option
                )

    def audit_options(self) -> AuditOptions:
        """The statistics and scoring part (what results.json's settings record)."""
        return AuditOptions(**{f.name: getattr(self, f.name) for f in fields(AuditOptions)})
