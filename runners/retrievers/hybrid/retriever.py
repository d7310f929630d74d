"""The hybrid family: build each component retriever, search them all, fuse their runs (fusion.py)."""
from __future__ import annotations

import time
from pathlib import Path

from runners.data import Corpus
from runners.errors import UserInputError
from runners.retrievers.base import cold_seconds
from runners.retrievers.hybrid.fusion import METHODS, convex, rrf
from runners.trec_run import Run, truncate

# Candidates taken from each component before fusing.
DEFAULT_DEPTH = 1000


class HybridRetriever:
    def __init__(self, spec, device: str = "cpu"):
        from runners.specs import build_retriever, get_spec  # specs registers this class: import late

        params = spec.params
        self.names = list(params["runs"])
        if len(self.names) < 2:
            raise UserInputError(f"{spec.name}: hybrid fusion needs at least two runs, got {self.names}")
        self.method = params.get("method", "rrf")
        if self.method not in METHODS:
            raise UserInputError(f"fusion method {self.method!r} is not one of {', '.join(METHODS)}")
        self.rrf_k = int(params.get("k", 60))
        self.norm = params.get("norm", "min-max")
        # alpha weighs the second run and 1 - alpha the first; more than two runs take explicit weights.
        alpha = float(params.get("alpha", 0.5))
        self.weights = [float(w) for w in params.get("weights", [1.0 - alpha, alpha])]
        self.depth = int(params.get("depth", DEFAULT_DEPTH))
        specs = spec.components or [get_spec(name) for name in self.names]
        if len(specs) != len(self.names):
            raise UserInputError(f"{spec.name}: {len(self.names)} runs named but {len(specs)} component specs given")
        self.components = [build_retriever(component, device) for component in specs]

    def index(self, corpus: Corpus, workdir: Path) -> None:
        self.component_seconds = []
        for position, (name, retriever) in enumerate(zip(self.names, self.components)):
            folder = workdir / f"{position}-{name}"
            folder.mkdir()
            start = time.perf_counter()
            retriever.index(corpus, folder)
            self.component_seconds.append(time.perf_counter() - start)

    def build_seconds(self) -> float:
        """Every component's cold cost: what a cache saved this run still counts."""
        return sum(cold_seconds(r, measured) for r, measured in zip(self.components, self.component_seconds))

    def index_bytes(self) -> int:
        return sum(r.index_bytes() for r in self.components)

    def fuse(self, runs: list[Run]) -> Run:
        if self.method == "rrf":
            return rrf(runs, self.rrf_k)
        return convex(runs, self.weights, self.norm)

    def search(self, queries: dict[str, str], k: int) -> Run:
        runs = [r.search(queries, max(k, self.depth)) for r in self.components]
        return truncate(self.fuse(runs), k)

    def provenance(self) -> dict:
        fusion = {"method": self.method, "runs": self.names, "depth": self.depth}
        fusion |= {"k": self.rrf_k} if self.method == "rrf" else {"weights": self.weights, "norm": self.norm}
        return {"fusion": fusion, "components": {n: r.provenance() for n, r in zip(self.names, self.components)}}
