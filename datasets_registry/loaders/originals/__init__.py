"""Converters from a collection's original distribution to BEIR layout, one module per original format.

The catalog names the format (`[datasets.original] format = ...`), the original files and which of them (or
which member of a downloaded tar archive) is each input; storage downloads and checks them, and the converter,
a pure function of those bytes and the record's options, returns the collection that base.write_beir writes.
"""
from collections.abc import Callable
from dataclasses import dataclass

from datasets_registry.loaders.originals import cosqa, npl, smart
from datasets_registry.loaders.originals.base import Collection, Original, OriginalFormatError, write_beir


@dataclass(frozen=True)
class Converter:
    inputs: tuple[str, ...]  # the roles the catalog must name: corpus, queries[, qrels]
    convert: Callable[[dict[str, Original], dict], Collection]


CONVERTERS = {
    "smart-glasgow": Converter(smart.INPUTS, smart.convert),
    "npl": Converter(npl.INPUTS, npl.convert),
    "cosqa-json": Converter(cosqa.INPUTS, cosqa.convert),
}

__all__ = ["CONVERTERS", "Collection", "Converter", "Original", "OriginalFormatError", "write_beir"]
