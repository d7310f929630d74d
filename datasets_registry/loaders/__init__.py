"""Loaders turn a verified local folder into runners.Dataset, one module per upstream format."""
from datasets_registry.loaders.beir import load_beir

LOADERS = {
    "beir": load_beir,
}
