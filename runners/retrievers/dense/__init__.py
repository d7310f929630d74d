"""Dense bi-encoder retrieval: encoder, vector index (faiss flat/HNSW) and the family's retriever."""
