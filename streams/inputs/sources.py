"""What the command line names: files, directories (read in name order), `-` for stdin, feed URLs."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from streams.inputs.formats import read_document, read_feed
from streams.inputs.items import Item

KIND_BY_SUFFIX = {
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".rdf": "feed",
}
KNOWN = ", ".join(KIND_BY_SUFFIX)
STDIN = "-"
_URL = re.compile(r"^https?://", re.I)


def read_file(path: Path) -> Iterator[Item]:
    """One file, by its suffix (a file without a known suffix is recognised from its content)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Item(str(path), error=f"cannot read it: {exc.strerror or exc}")
        return
    yield from read_document(raw, str(path), KIND_BY_SUFFIX.get(path.suffix.lower()))


def read_directory(directory: Path) -> Iterator[Item]:
    """Every file of a known kind under `directory`, in name order; the others are named as skipped."""
    for child in sorted(directory.iterdir()):
        if child.name.startswith("."):
            yield Item(str(child), error=f"skipped: hidden {'directory' if child.is_dir() else 'file'}",
                       skipped=True)
        elif child.is_dir():
            yield from read_directory(child)
        elif child.suffix.lower() not in KIND_BY_SUFFIX:
            yield Item(str(child), error=f"skipped: not a known input type (known: {KNOWN})", skipped=True)
        else:
            yield from read_file(child)


def read_path(path: Path) -> Iterator[Item]:
    """A file or a directory."""
    if path.is_dir():
        yield from read_directory(path)
    elif not path.exists():
        yield Item(str(path), error="no such file or directory")
    else:
        yield from read_file(path)


def read_stdin(stream: BinaryIO | None = None) -> Iterator[Item]:
    """Standard input, whatever it holds (JSON, JSON lines, a feed, an HTML page, text)."""
    stream = stream if stream is not None else sys.stdin.buffer
    yield from read_document(stream.read(), "<stdin>")


def read_sources(sources: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Every input named on the command line, in order: `-` is stdin, http(s) URLs are read as feeds."""
    for source in sources:
        if source == STDIN:
            yield from read_stdin(stdin)
        elif _URL.match(source):
            yield from read_feed(source, source)
        else:
            yield from read_path(Path(source))
