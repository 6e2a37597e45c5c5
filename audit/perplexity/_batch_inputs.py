"""The tensors of one causal forward pass: rows padded on the right, or packed end to end.

Either way every row sees exactly what it would see alone, and each row's last token,
which predicts nothing, is left out of the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True, slots=True)
class BatchInputs:
    """The tensors of one forward pass and where its scored positions are."""

    input_ids: torch.Tensor
    """(rows, width - 1) padded, or (1, total) packed; each row's last token left out."""
    attention_mask: torch.Tensor | None
    """(rows, width - 1) padding mask; None when packed (position ids say where rows start)."""
    position_ids: torch.Tensor | None
    """(1, total) positions restarting at 0 for each packed row; None when padded."""
    positions: torch.Tensor
    """(scored, 2) (row, column) of each input position whose next token is scored."""
    targets: torch.Tensor
    """(scored,) the token each scored position predicts."""
    row_of_target: torch.Tensor
    """(scored,) the batch row each target belongs to."""


def padded_inputs(batch: Sequence[Sequence[int]], lengths: torch.Tensor, pad: int) -> BatchInputs:
    """Rows padded on the right, built as whole tensors rather than row by row.

    Right padding keeps every real token at its natural position, so each row sees
    exactly what it would see alone; the mask hides the padding keys. A row's last
    token predicts nothing and, under the causal mask, no earlier position attends
    to it, so it is left out of the input (one column less).
    """
    import torch

    flat = torch.tensor([token for row in batch for token in row], dtype=torch.long)
    width = int(lengths.max())
    columns = torch.arange(width)
    ids = torch.full((len(batch), width), pad, dtype=torch.long)
    ids[columns.unsqueeze(0) < lengths.unsqueeze(1)] = flat
    mask = (columns[:-1].unsqueeze(0) < (lengths - 1).unsqueeze(1)).long()
    # Scored positions: column c of row r predicts token c + 1, for c < len - 1.
    positions = mask.nonzero()
    targets = ids[positions[:, 0], positions[:, 1] + 1]
    return BatchInputs(ids[:, :-1], mask, None, positions, targets, positions[:, 0])


def packed_inputs(batch: Sequence[Sequence[int]], lengths: torch.Tensor) -> BatchInputs:
    """All rows end to end as one sequence, each row's last token left out, no padding.

    Position ids restart at 0 for every row; transformers reads that as packed
    sequences and builds a block-diagonal causal mask, so no row sees another and
    every row's tokens keep the positions they have alone.
    """
    import torch

    flat = torch.tensor([token for row in batch for token in row], dtype=torch.long)
    inputs_per_row = lengths - 1
    rows = torch.repeat_interleave(torch.arange(len(batch)), inputs_per_row)
    first_input = torch.cumsum(inputs_per_row, 0) - inputs_per_row
    offset_in_row = torch.arange(rows.numel()) - first_input[rows]
    # Where each input token sits in `flat`; its target is the token after it.
    source = (torch.cumsum(lengths, 0) - lengths)[rows] + offset_in_row
    total = rows.numel()
    positions = torch.stack([torch.zeros(total, dtype=torch.long), torch.arange(total)], dim=1)
    return BatchInputs(
        flat[source].unsqueeze(0),
        None,
        offset_in_row.unsqueeze(0),
        positions,
        flat[source + 1],
        rows,
    )
