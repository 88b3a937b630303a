"""End-to-end tests reuse the subscriber tier's `cluster` fixture: every declared topic under the test's prefix."""

from tests.integration.subscriber.conftest import cluster  # noqa: F401  (a fixture, used by name)
