"""BM25 outcomes on bundled collections, computed once per test session (each takes seconds)."""
from functools import cache

import pytest

import runners
from tests.helpers import load_beir_dataset


@cache
def _bm25_outcome(dataset_name: str, spec_name: str) -> runners.Outcome:
    return runners.evaluate(runners.get_spec(spec_name), load_beir_dataset(dataset_name))


@pytest.fixture(scope="session")
def bm25_outcome():
    """bm25_outcome(dataset_name, spec_name) -> Outcome, shared by every test of the session."""
    return _bm25_outcome
