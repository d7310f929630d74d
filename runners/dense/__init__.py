"""Dense bi-encoder retrieval: encoder, vector index (faiss flat/HNSW) and the family's retriever."""
from runners.dense.encoder import DenseEncoder
from runners.dense.retriever import DenseRetriever
from runners.dense.vector_index import VectorIndex

__all__ = ["DenseEncoder", "DenseRetriever", "VectorIndex"]
