"""Length-sorted batched encoding with tokenization off the model's critical path.

Texts are sorted by character length (a close proxy for token length, known before any
tokenizing) so each batch pads to nearly its own length; worker threads tokenize the next
batches (the Rust tokenizer releases the GIL) while the model runs on the current one.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

Output = TypeVar("Output")


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> list[np.ndarray]:
    """Indices of `texts`, longest first, cut into batches."""
    order = np.argsort([-len(text) for text in texts], kind="stable")
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


def encode_sorted(
    texts: Sequence[str],
    batch_size: int,
    tokenize: Callable[[list[str]], Any],
    forward: Callable[[Any], Output],
    prefetch: int = 2,
) -> tuple[np.ndarray, list[Output]]:
    """Run `forward` over tokenized length-sorted batches.

    Returns the order the texts were processed in and one output per batch; `original_order`
    turns row-stacked outputs back into the input order.
    """
    batches = length_sorted_batches(texts, batch_size)
    outputs: list[Output] = []
    with ThreadPoolExecutor(max_workers=prefetch) as pool:
        upcoming = iter(batches)
        pending = deque()

        def submit_next() -> None:
            batch = next(upcoming, None)
            if batch is not None:
                pending.append(pool.submit(tokenize, [texts[i] for i in batch]))

        for _ in range(prefetch + 1):
            submit_next()
        while pending:
            encoded = pending.popleft().result()
            submit_next()
            outputs.append(forward(encoded))
    processed = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    return processed, outputs


def original_order(processed: np.ndarray) -> np.ndarray:
    """Row indices that put outputs stacked in `processed` order back into input order."""
    inverse = np.empty_like(processed)
    inverse[processed] = np.arange(len(processed))
    return inverse
