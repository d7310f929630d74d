"""Loaders turn a verified local folder into runners.Dataset, one module per upstream format."""
from datasets_registry.loaders.beir import load_beir
from datasets_registry.loaders.bright import load_bright
from datasets_registry.loaders.loco import load_loco

LOADERS = {
    "beir": load_beir,
    "bright": load_bright,
    "loco": load_loco,
}
