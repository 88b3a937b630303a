"""Storage: SQLAlchemy 2.0 models, the batch repository, and Alembic migrations.

    engine = make_engine(settings.database_url.get_secret_value())
    repo = Repository(engine)          # upgrades the schema first
    result = repo.save_batch(records)  # one transaction; DatabaseUnavailable -> retry with backoff

Imports schemas/ and sqlalchemy/alembic only.
"""

from storage.engine import make_engine, mask_url
from storage.errors import DatabaseUnavailable, InvalidBatch, SchemaMissing, StorageError
from storage.incidents import IncidentChange, IncidentStore
from storage.migrate import current_revision, head_revision, schema_diff, upgrade
from storage.repository import Repository, SaveResult
from storage.versions import incoming_wins, is_newer

__all__ = [
    "DatabaseUnavailable",
    "IncidentChange",
    "IncidentStore",
    "InvalidBatch",
    "Repository",
    "SaveResult",
    "SchemaMissing",
    "StorageError",
    "current_revision",
    "head_revision",
    "incoming_wins",
    "is_newer",
    "make_engine",
    "mask_url",
    "schema_diff",
    "upgrade",
]
