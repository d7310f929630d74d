"""Sparse-LLM family: a decoder-only causal LM as a learned sparse encoder."""
