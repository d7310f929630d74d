"""Real Celery worker processes from the pipeline tests' fixtures, reused for the scale-out tests."""
from tests.integration.pipeline.conftest import pipeline_env, start_worker  # noqa: F401  (fixtures)
