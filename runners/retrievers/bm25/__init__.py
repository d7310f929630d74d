"""BM25 family: Pyserini/Lucene BM25, flat or multifield."""
