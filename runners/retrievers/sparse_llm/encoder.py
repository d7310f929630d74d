"""Sparse-LLM encoder: a decoder-only causal LM as a learned sparse encoder (PromptReps / Mistral-SPLADE style).

Each text is wrapped in a prompt that asks for one word standing for it; the vocabulary logits
at the last prompt token, through log(1+relu), are the term weights, and the top-k terms are kept.
Max-pooling over every token instead makes the whole vocabulary non-zero (FINDINGS.md).
Documents and queries then go through the same inverted index as SPLADE.
"""
from __future__ import annotations

from collections.abc import Sequence

from scipy import sparse

from runners.encoding import BatchTokenizer, encode_sorted, original_order
from runners.loading import load_model, load_tokenizer, torch_device
from runners.model_dir import ModelDir
from runners.retrievers.learned_sparse.weights import saturate, to_csr

PASSAGE_PROMPT = 'Passage: "{text}"\nUse one word to represent the passage in a retrieval task. The word: "'
QUERY_PROMPT = 'Query: "{text}"\nUse one word to represent the query in a retrieval task. The word: "'
DEFAULTS = {"doc_top_k": 128, "query_top_k": 64, "max_length": 256}
DEFAULT_BATCH = {"cpu": 4, "cuda": 64}


class CausalLMSparseEncoder:
    family = "sparse-llm"

    def __init__(self, model_dir: ModelDir, params: dict, device: str = "cpu"):
        from transformers import AutoModelForCausalLM

        self.model_dir = model_dir
        self.device = torch_device(device)
        params = {**DEFAULTS, **params}
        self.max_length = int(params["max_length"])
        self.doc_top_k = int(params["doc_top_k"])
        self.query_top_k = int(params["query_top_k"])
        self.passage_prompt = params.get("passage_prompt", PASSAGE_PROMPT)
        self.query_prompt = params.get("query_prompt", QUERY_PROMPT)
        self.batch_size = int(params.get("batch_size") or DEFAULT_BATCH[self.device.type])
        self.tokenizer = load_tokenizer(model_dir)
        # Right padding keeps each text's last real token at attention_mask.sum() - 1, unaffected by pads.
        self.tokenizer.padding_side = "right"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # Prompts are already cut to fit (see prompts()): no truncation at tokenization.
        self.batch_tokenizer = BatchTokenizer(self.tokenizer, None)
        self.model = load_model(model_dir, AutoModelForCausalLM, device)
        self.vocabulary_size = int(self.model.config.vocab_size)

    def settings(self) -> dict:
        return {"max_length": self.max_length, "doc_top_k": self.doc_top_k, "query_top_k": self.query_top_k,
                "passage_prompt": self.passage_prompt, "query_prompt": self.query_prompt}

    def encode_queries(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.encode(self.prompts(self.query_prompt, texts), self.query_top_k)

    def encode_passages(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.encode(self.prompts(self.passage_prompt, texts), self.doc_top_k)

    def prompts(self, template: str, texts: Sequence[str]) -> list[str]:
        """Texts wrapped in the prompt; a long text is cut so the instruction after it always fits."""
        budget = self.max_length - len(self.tokenizer(template.format(text=""))["input_ids"])
        token_ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [
            template.format(text=self.tokenizer.decode(ids[:budget]) if len(ids) > budget else text)
            for text, ids in zip(texts, token_ids)
        ]

    def encode(self, prompts: Sequence[str], top_k: int) -> sparse.csr_matrix:
        import torch

        @torch.inference_mode()
        def forward(encoded) -> sparse.csr_matrix:
            encoded = {k: v.to(self.device) for k, v in encoded.items()}
            last = encoded["attention_mask"].sum(dim=1) - 1
            hidden = self.model.base_model(**encoded).last_hidden_state
            # Only the last token's logits are needed: project one position per text, not all of them.
            final = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
            logits = self.model.get_output_embeddings()(final).float()
            return to_csr(saturate(logits), top_k)

        if not prompts:
            return sparse.csr_matrix((0, self.vocabulary_size), dtype="float32")
        processed, outputs = encode_sorted(prompts, self.batch_size, self.batch_tokenizer, forward)
        return sparse.vstack(outputs, format="csr")[original_order(processed)]

