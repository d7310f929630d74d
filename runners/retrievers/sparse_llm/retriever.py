"""The sparse-LLM family: the learned-sparse retriever (index, cache, search) with the causal-LM encoder."""
from __future__ import annotations

from runners.retrievers.learned_sparse.retriever import SparseRetriever
from runners.retrievers.sparse_llm.encoder import CausalLMSparseEncoder


class SparseLLMRetriever(SparseRetriever):
    encoder_class = CausalLMSparseEncoder
