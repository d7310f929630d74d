"""Vocabulary logits -> sparse term weights, shared by SPLADE and the sparse-LLM encoders."""
from __future__ import annotations

import numpy as np
from scipy import sparse


def saturate(logits):
    """log(1 + relu(logits)), in place: the SPLADE activation."""
    return logits.relu_().log1p_()


def to_csr(weights, top_k: int | None) -> sparse.csr_matrix:
    """[batch, vocabulary] tensor -> CSR rows, keeping at most top_k non-zero terms per row."""
    import torch

    batch, vocabulary = weights.shape
    if top_k:
        values, columns = weights.topk(min(top_k, vocabulary), dim=1)
        keep = values > 0
        rows = torch.arange(batch, device=weights.device).unsqueeze(1).expand_as(columns)[keep]
        columns, values = columns[keep], values[keep]
    else:
        rows, columns = weights.nonzero(as_tuple=True)
        values = weights[rows, columns]
    return sparse.csr_matrix(
        (values.float().cpu().numpy(), (rows.cpu().numpy(), columns.cpu().numpy())),
        shape=(batch, vocabulary), dtype=np.float32,
    )
