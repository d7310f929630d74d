"""Evaluation library: retrievers, metrics and the evaluation of one (retriever, dataset).

Plain Python, no Django: usable from the CLI, a Celery worker or a notebook.
"""
from runners.data import Corpus, Dataset, Document
from runners.errors import RunnerError, UserInputError
from runners.evaluate import Outcome, evaluate
from runners.specs import RetrieverSpec, get_spec, reference_specs

__all__ = [
    "Corpus",
    "Dataset",
    "Document",
    "Outcome",
    "RetrieverSpec",
    "RunnerError",
    "UserInputError",
    "evaluate",
    "get_spec",
    "reference_specs",
]
