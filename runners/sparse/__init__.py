"""Learned sparse retrieval (SPLADE): encoder, term weights and inverted indexes."""
from runners.sparse.encoder import SpladeEncoder
from runners.sparse.inverted_index import InvertedIndex
from runners.sparse.lucene_impact import LuceneImpactIndex
from runners.sparse.retriever import SparseRetriever

__all__ = ["InvertedIndex", "LuceneImpactIndex", "SparseRetriever", "SpladeEncoder"]
