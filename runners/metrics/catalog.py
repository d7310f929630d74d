"""The metrics every result carries, as data: our name, ranx's name, trec_eval's name."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str  # stored and shown
    ranx: str
    trec_eval: str  # pytrec_eval measure; MRR@10 is recip_rank on a run cut at 10
    label: str


METRICS: tuple[Metric, ...] = (
    Metric("ndcg@10", "ndcg@10", "ndcg_cut_10", "nDCG@10"),
    Metric("ndcg@100", "ndcg@100", "ndcg_cut_100", "nDCG@100"),
    Metric("recall@100", "recall@100", "recall_100", "Recall@100"),
    Metric("recall@1000", "recall@1000", "recall_1000", "Recall@1000"),
    Metric("map@1000", "map@1000", "map_cut_1000", "MAP@1000"),
    Metric("mrr@10", "mrr@10", "recip_rank", "MRR@10"),
    Metric("p@10", "precision@10", "P_10", "P@10"),
)
MAIN_METRIC = "ndcg@10"
METRIC_NAMES = tuple(m.name for m in METRICS)
