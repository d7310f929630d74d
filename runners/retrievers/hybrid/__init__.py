"""Hybrid family: fusion functions (RRF, convex combination) and the retriever that fuses component runs."""
