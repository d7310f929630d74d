import pytest

from tests.integration.datasets_registry.upstream import Upstream


@pytest.fixture
def upstream():
    with Upstream() as server:
        yield server


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR
