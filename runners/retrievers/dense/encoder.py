"""Bi-encoder: any HF / sentence-transformers model directory -> one vector per text.

Pooling, normalisation and max length come from the spec's params, else from the
directory's sentence-transformers files (1_Pooling/config.json, modules.json,
sentence_bert_config.json), else mean pooling, normalised, 512 tokens.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from runners.encoding import BatchTokenizer, encode_sorted, original_order
from runners.errors import UserInputError
from runners.loading import load_model, load_tokenizer, torch_device
from runners.model_dir import ModelDir

POOLINGS = ("mean", "cls")
DEFAULT_BATCH = {"cpu": 32, "cuda": 512}


def _pooling_from_files(model_dir: ModelDir) -> str:
    pooling = model_dir.read_json("1_Pooling/config.json")
    return "cls" if pooling.get("pooling_mode_cls_token") else "mean"


def _normalize_from_files(model_dir: ModelDir) -> bool:
    modules = model_dir.read_json("modules.json")
    if not modules:
        return True  # a bare encoder: cosine similarity is the common choice
    return any(m.get("type", "").endswith("Normalize") for m in modules)


class DenseEncoder:
    def __init__(self, model_dir: ModelDir, params: dict, device: str = "cpu"):
        from transformers import AutoModel

        self.model_dir = model_dir
        self.device = torch_device(device)
        self.pooling = params.get("pooling") or _pooling_from_files(model_dir)
        if self.pooling not in POOLINGS:
            raise UserInputError(f"pooling {self.pooling!r} is not one of {', '.join(POOLINGS)}")
        self.normalize = bool(params.get("normalize", _normalize_from_files(model_dir)))
        self.max_length = int(
            params.get("max_length")
            or model_dir.read_json("sentence_bert_config.json").get("max_seq_length")
            or 512
        )
        self.query_prefix = params.get("query_prefix", "")
        self.passage_prefix = params.get("passage_prefix", "")
        self.batch_size = int(params.get("batch_size") or DEFAULT_BATCH[self.device.type])
        self.tokenizer = load_tokenizer(model_dir)
        self.batch_tokenizer = BatchTokenizer(self.tokenizer, self.max_length)
        self.model = load_model(model_dir, AutoModel, device)
        self.dim = int(self.model.config.hidden_size)

    def settings(self) -> dict:
        return {"pooling": self.pooling, "normalize": self.normalize, "max_length": self.max_length,
                "query_prefix": self.query_prefix, "passage_prefix": self.passage_prefix}

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode([self.passage_prefix + t for t in texts])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), dim], in input order."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        on_gpu = self.device.type == "cuda"

        def tokenize(batch: list[str]):
            encoded = self.batch_tokenizer(batch)
            # Pinned host memory lets the copy to the GPU overlap with compute.
            return {k: v.pin_memory() for k, v in encoded.items()} if on_gpu else encoded

        @torch.inference_mode()
        def forward(encoded) -> torch.Tensor:
            encoded = {k: v.to(self.device, non_blocking=True) for k, v in encoded.items()}
            hidden = self.model(**encoded).last_hidden_state
            return self._pool(hidden, encoded["attention_mask"])

        processed, outputs = encode_sorted(texts, self.batch_size, tokenize, forward, prefetch=4 if on_gpu else 0)
        # One device-to-host copy at the end: no synchronisation between batches.
        vectors = torch.cat(outputs).cpu().numpy()
        return vectors[original_order(processed)]

    def _pool(self, hidden, mask):
        import torch

        if self.pooling == "cls":
            pooled = hidden[:, 0].float()
        else:
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1).float() / weights.sum(dim=1).float().clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1) if self.normalize else pooled
