"""Token budgets: the measured CPU default, and GPU budgets sized from free memory."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from audit.perplexity import DEFAULT_CPU_BATCH_TOKENS
from audit.pipeline import batch_tokens_for


def _model(hidden: int, intermediate: int, dtype: torch.dtype) -> SimpleNamespace:
    weight = torch.zeros(1, dtype=dtype)
    return SimpleNamespace(
        config=SimpleNamespace(hidden_size=hidden, intermediate_size=intermediate),
        parameters=lambda: iter([weight]),
    )


def test_the_cpu_budget_is_the_measured_default() -> None:
    model = _model(576, 1536, torch.float32)
    assert batch_tokens_for(model, torch.device("cpu")) == DEFAULT_CPU_BATCH_TOKENS


@pytest.mark.parametrize(
    ("free_gib", "expected"),
    [
        # Phi-2 in bfloat16 (hidden 2560, MLP 10240: 92,160 bytes a token) on an H200 after
        # its weights: capped at the largest budget.
        (130, 1 << 17),
        # 8 GiB free: (4 GiB - 1 GiB of logit slices) / 92,160 bytes.
        (8, (4 * 2**30 - 2**30) // 92_160),
        # Almost full: never below the smallest budget (out-of-memory splits from there).
        (1, 1024),
    ],
)
def test_a_gpu_budget_follows_free_memory(
    monkeypatch: pytest.MonkeyPatch, free_gib: int, expected: int
) -> None:
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (free_gib * 2**30, 0))
    model = _model(2560, 10240, torch.bfloat16)
    assert batch_tokens_for(model, torch.device("cuda")) == expected
