"""The generation stage of a job: the extension point for audit.generation.

A job whose settings carry a `generation` section asks for continuations, classifier
scores and generation metrics on top of the safety score. The workers do not run that
stage yet, so such a job fails at planning with a cause that says so, rather than
succeeding without the section it asked for.

To wire it: a `toxaudit.generate_job` task on the `gpu` queue (route it in
TASK_ROUTES) that loads the model through the process's ModelCache, runs
`audit.generation.run_generation_audit`, upserts GenerationResult rows (keyed on
job, group, label, prompt and sample, like sentence rows) and the metrics as
GroupScoreRecord rows (metric = the generation metric's name, label = the prompt
label); the aggregation then waits for both the sentence rows and that stage, under
the job's row lock, and adds the `generation` section to the job's results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def generation_requested(settings: Mapping[str, Any]) -> bool:
    """The job's settings ask for a generation audit."""
    return bool(settings.get("generation"))


UNSUPPORTED_GENERATION = (
    "this job asks for a generation audit (settings.generation), which the workers do not "
    "run yet; submit it without generation options, or run `toxaudit run --generation` "
    "locally"
)
