"""The test suite runs the development configuration (plain HTTP test servers, unhashed static files, a fixed
key), as `scripts/run` does; processes the tests start inherit it. The production defaults (DEBUG off) are tested
by tests/unit/deploy and tests/integration/deploy, which start their processes with DEBUG off."""
import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DEBUG", "1")
# The host's timing locks and yardstick figures (runners/timing.py): one folder per test run, shared by the
# processes the run starts, so that a run never reads another run's yardstick.
if "RB_HOST_LOCK_DIR" not in os.environ:
    os.environ["RB_HOST_LOCK_DIR"] = tempfile.mkdtemp(prefix="rb-test-host-")
    atexit.register(shutil.rmtree, os.environ["RB_HOST_LOCK_DIR"], True)

from config.settings import *  # noqa: E402,F403
