"""SPLADE encoder: any BERT-style masked LM -> max over tokens of log(1+relu(MLM logits))."""
from __future__ import annotations

from collections.abc import Sequence

from scipy import sparse

from runners.encoding import BatchTokenizer, encode_sorted, original_order
from runners.loading import load_model, load_tokenizer, torch_device
from runners.model_dir import ModelDir
from runners.retrievers.learned_sparse.weights import saturate, to_csr

# Logits are [batch, tokens, vocabulary]: small CPU batches keep that tensor in the hundreds of MB.
DEFAULT_BATCH = {"cpu": 8, "cuda": 64}


class SpladeEncoder:
    family = "learned-sparse"

    def __init__(self, model_dir: ModelDir, params: dict, device: str = "cpu"):
        from transformers import AutoModelForMaskedLM

        self.model_dir = model_dir
        self.device = torch_device(device)
        self.max_length = int(params.get("max_length", 256))
        self.doc_top_k = params.get("doc_top_k")
        self.query_top_k = params.get("query_top_k")
        self.batch_size = int(params.get("batch_size") or DEFAULT_BATCH[self.device.type])
        self.tokenizer = load_tokenizer(model_dir)
        self.batch_tokenizer = BatchTokenizer(self.tokenizer, self.max_length)
        self.model = load_model(model_dir, AutoModelForMaskedLM, device)
        self.vocabulary_size = int(self.model.config.vocab_size)

    def settings(self) -> dict:
        return {"max_length": self.max_length, "doc_top_k": self.doc_top_k, "query_top_k": self.query_top_k}

    def encode_queries(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.encode(texts, self.query_top_k)

    def encode_passages(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.encode(texts, self.doc_top_k)

    def encode(self, texts: Sequence[str], top_k: int | None) -> sparse.csr_matrix:
        import torch

        @torch.inference_mode()
        def forward(encoded) -> sparse.csr_matrix:
            encoded = {k: v.to(self.device) for k, v in encoded.items()}
            logits = saturate(self.model(**encoded).logits)
            # Padding positions must not contribute: zero is neutral for a max over non-negatives.
            logits.mul_(encoded["attention_mask"].unsqueeze(-1).to(logits.dtype))
            return to_csr(logits.amax(dim=1), top_k)

        if not texts:
            return sparse.csr_matrix((0, self.vocabulary_size), dtype="float32")
        processed, outputs = encode_sorted(texts, self.batch_size, self.batch_tokenizer, forward)
        return sparse.vstack(outputs, format="csr")[original_order(processed)]
