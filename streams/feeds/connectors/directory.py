"""kind: directory: a directory watched for new files (any input kind streams.inputs reads, by suffix). The
cursor is each file read so far with its size and modification time: a dropped file is read once, a file
rewritten in place is read again (its unchanged articles keep their ids and are not sent twice). Hidden files
and files still being written (modified in the last second) wait for the next poll."""

from __future__ import annotations

import time

from streams.feeds.config import Source, resolve_path
from streams.feeds.connectors import Context, Cursor, Document, Fetched, FetchError
from streams.inputs import KIND_BY_SUFFIX

SETTLE_S = 1.0


class DirectoryConnector:
    def __init__(self, source: Source, context: Context):
        self.source, self.directory = source, resolve_path(source, context.feeds_file)

    def fetch(self, cursor: Cursor) -> Fetched:
        if not self.directory.is_dir():
            raise FetchError(f"{self.directory}: no such directory (create it, or fix path: in feeds.yaml)")
        seen: dict[str, str] = dict(cursor.get("files", {}))
        documents, now = [], time.time()
        for path in sorted(self.directory.rglob("*")):
            rel = path.relative_to(self.directory)
            if not path.is_file() or any(part.startswith(".") for part in rel.parts):
                continue
            if path.suffix.lower() not in KIND_BY_SUFFIX:
                continue
            stat = path.stat()
            if now - stat.st_mtime < SETTLE_S:
                continue  # perhaps still being written: next poll
            signature = f"{stat.st_mtime_ns}:{stat.st_size}"
            if seen.get(str(rel)) == signature:
                continue
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise FetchError(f"{path}: cannot read it: {exc.strerror or exc}") from None
            documents.append(Document(str(path), raw, KIND_BY_SUFFIX[path.suffix.lower()]))
            seen[str(rel)] = signature
        return Fetched(documents, {"files": seen}, not_modified=not documents)
