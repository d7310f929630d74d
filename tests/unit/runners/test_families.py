"""The family records are the one description of each family: the class they name exists, every parameter
is used, and the model's choices, the API and the README list the same families."""
import importlib
import re
from pathlib import Path

import pytest

from runners.families import FAMILIES, PARAMS, RETRIEVER_FAMILIES
from runners.specs import REFERENCE_SPECS

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.parametrize("family", RETRIEVER_FAMILIES)
def test_each_retriever_family_names_a_class_that_exists(family):
    module, name = FAMILIES[family].retriever.split(":")
    assert callable(getattr(importlib.import_module(module), name))


def test_every_parameter_belongs_to_a_family_and_every_reference_to_a_retriever_family():
    used = {name for record in FAMILIES.values() for name in record.params}
    assert used == set(PARAMS)
    assert {spec.family for spec in REFERENCE_SPECS.values()} <= set(RETRIEVER_FAMILIES)


def test_the_readme_lists_the_families_of_the_records():
    listed = re.search(r"`family`\s*\(([^)]*)\)", README.read_text()).group(1)
    assert set(re.findall(r"`([a-z0-9-]+)`", listed)) == set(FAMILIES)


@pytest.mark.parametrize("value, expected", [("0.5", 0.5), (1, 1.0)])
def test_a_float_parameter_is_coerced_and_bounded(value, expected):
    assert PARAMS["alpha"].coerce(value) == expected
    with pytest.raises(ValueError, match="between 0 and 1"):
        PARAMS["alpha"].coerce(1.5)
    with pytest.raises(ValueError, match="expected a number"):
        PARAMS["alpha"].coerce(True)
