"""Storage errors, split by what the caller should do about them.

`DatabaseUnavailable` means "try again later" (the server is down, the network dropped, a lock
timed out, a deadlock was broken): the persist agent retries it with backoff. Everything else is a
`StorageError` that retrying will not fix (bad records, a database without the schema), so it must
not be retried forever.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exc as sa_exc


class StorageError(Exception):
    """A storage failure that retrying will not fix."""


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or is temporarily refusing work; retry with backoff."""

    retryable = True


class SchemaMissing(StorageError):
    """The database is reachable but lacks newsmon's tables: run `newsmon db upgrade`."""


class InvalidBatch(StorageError):
    """Records the database cannot store as given; `article_ids` names the offending articles."""

    def __init__(self, message: str, article_ids: Sequence[str] = ()):
        super().__init__(message)
        self.article_ids = tuple(article_ids)


# SQLite reports a missing table as an OperationalError; PostgreSQL as UndefinedTable/UndefinedColumn.
# Either way it is a schema problem, not an outage, so it must not be retried.
_SCHEMA_HINTS = ("no such table", "no such column")
_SCHEMA_ERRORS = ("UndefinedTable", "UndefinedColumn")


def _is_schema_problem(error: BaseException) -> bool:
    orig = getattr(error, "orig", None)
    if type(orig).__name__ in _SCHEMA_ERRORS:
        return True
    return any(hint in str(orig if orig is not None else error).lower() for hint in _SCHEMA_HINTS)


def translate(error: BaseException, where: str) -> StorageError:
    """Map a SQLAlchemy/DBAPI error to the storage error that says what to do next."""
    if isinstance(error, StorageError):
        return error
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)):
        if isinstance(error, sa_exc.OperationalError) and _is_schema_problem(error):
            return SchemaMissing(
                f"{where}: the database has no newsmon tables ({_first_line(error)}); "
                "run `newsmon db upgrade`"
            )
        return DatabaseUnavailable(f"{where}: database unavailable: {_first_line(error)}")
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return DatabaseUnavailable(f"{where}: connection lost: {_first_line(error)}")
    if isinstance(error, sa_exc.ProgrammingError) and _is_schema_problem(error):
        return SchemaMissing(
            f"{where}: the database has no newsmon tables ({_first_line(error)}); run `newsmon db upgrade`"
        )
    if isinstance(error, (sa_exc.IntegrityError, sa_exc.DataError)):
        return InvalidBatch(f"{where}: the database rejected the records: {_first_line(error)}")
    return StorageError(f"{where}: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's statement/parameter dump (it can be huge)."""
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__
