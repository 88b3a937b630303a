"""feeds.yaml: the monitored sources, validated with pydantic. Secrets are never in the file: a header's value
names the environment variable that holds it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

KINDS = ("rss", "directory", "json")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class FeedsFileError(ValueError):
    """feeds.yaml cannot be read or is invalid; the message says where and what to fix."""


class Source(BaseModel):
    """One monitored source: `kind` names its connector (streams/feeds/connectors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="unique, lower case: a metric label and the key of its stored state")
    kind: Literal["rss", "directory", "json"]
    url: str | None = Field(None, description="rss, json: an http(s) URL (or file:// for local files)")
    path: str | None = Field(None, description="directory: the directory to watch (relative to feeds.yaml)")
    interval: float = Field(300, ge=1, description="seconds between polls")
    label: str | None = None
    headers: dict[str, str] = Field(default_factory=dict,
                                    description="header -> NAME of the environment variable with its value")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use lower-case letters, digits, '.', '_' or '-' (at most 100), e.g. 'reuters-world'")
        return value

    @field_validator("headers")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for header, env in value.items():
            if not _ENV_NAME.match(env):
                raise ValueError(f"header {header!r}: give the NAME of an environment variable (e.g. "
                                 f"NEWSAPI_KEY), not the secret itself; {env[:3]!r}... is not such a name")
        return value

    @model_validator(mode="after")
    def _target(self) -> Source:
        if self.kind in ("rss", "json"):
            if not self.url or not re.match(r"^(https?://|file:)", self.url, re.I):
                raise ValueError(f"kind {self.kind} needs url: an http(s):// or file: URL")
            if self.path:
                raise ValueError(f"kind {self.kind} takes url, not path")
        else:
            if not self.path:
                raise ValueError("kind directory needs path: the directory to watch")
            if self.url:
                raise ValueError("kind directory takes path, not url")
        return self

    @property
    def target(self) -> str:
        return self.url or self.path or ""

    def missing_env(self) -> list[str]:
        return [env for env in self.headers.values() if not os.environ.get(env)]

    def resolved_headers(self) -> dict[str, str]:
        """The headers with their values read from the environment now (missing ones left out)."""
        return {h: os.environ[env] for h, env in self.headers.items() if os.environ.get(env)}


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> FeedsFile:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return self

    def get(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)


def _explain(exc: ValidationError, data: Any) -> str:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            entry = (data.get("sources") or [])[loc[1]] if isinstance(data, dict) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            where = f"sources[{loc[1]}]" + (f" ({name})" if name else "")
            loc = loc[2:]
        field = ".".join(str(x) for x in loc if not str(x).startswith("function-after"))
        where = ": ".join(x for x in (where, field) if x)
        lines.append(f"{where or 'the file'}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def load(path: str | Path) -> FeedsFile:
    """The validated source list; a missing file is an empty list. Directory paths are made absolute
    (relative to the file's own directory)."""
    import yaml

    path = Path(path)
    if not path.exists():
        return FeedsFile()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FeedsFileError(f"{path}: not readable YAML: {exc}") from None
    try:
        feeds = FeedsFile.model_validate(data)
    except ValidationError as exc:
        raise FeedsFileError(f"{path}: {_explain(exc, data)}") from None
    return feeds


def resolve_path(source: Source, feeds_path: str | Path) -> Path:
    """A directory source's path, relative to the feeds file's directory unless absolute."""
    path = Path(source.path or "").expanduser()
    return path if path.is_absolute() else Path(feeds_path).resolve().parent / path


def resolve_url(source: Source, feeds_path: str | Path) -> str:
    """A source's URL; `file:name.xml` (no //) is a file relative to the feeds file's directory."""
    url = source.url or ""
    if url.lower().startswith("file:") and not url.lower().startswith("file://"):
        return (Path(feeds_path).resolve().parent / url[5:]).as_uri()
    return url


def save(feeds: FeedsFile, path: str | Path) -> None:
    """Write the list back (the file is rewritten: comments in it are not kept)."""
    import yaml

    data = {"sources": [s.model_dump(exclude_none=True, exclude_defaults=False) for s in feeds.sources]}
    for entry in data["sources"]:
        if not entry.get("headers"):
            entry.pop("headers", None)
    Path(path).write_text("# newsmon feeds (docs/feeds.md); `newsmon feeds add/remove` rewrite this file\n"
                          + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
