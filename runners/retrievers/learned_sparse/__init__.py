"""Learned sparse retrieval (SPLADE): encoder, term weights and inverted indexes."""
