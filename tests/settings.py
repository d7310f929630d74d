"""The test suite runs the development configuration (plain HTTP test servers, unhashed static files, a fixed
key), as `scripts/run` does; processes the tests start inherit it. The production defaults (DEBUG off) are tested
by tests/unit/deploy and tests/integration/deploy, which start their processes with DEBUG off."""
import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: E402,F403
