"""The pipeline tests' worker fixture, shared rather than copied."""

from tests.integration.pipeline.test_worker_pipeline import make_worker  # noqa: F401
