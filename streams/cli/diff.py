"""`newsmon diff` and `newsmon promote`: compare what two rules versions coded, then make one live.

A version is the content-derived `rules_version` on each event. What a version coded is read from the live rows
(articles it coded) and from its shadow runs (`newsmon recode --shadow`), shadow first; only the articles both
versions coded are compared.
"""

from __future__ import annotations

import html
import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from streams.cli.errors import CommandError, user_errors
from streams.cli.timeparse import FORMS, parse_time
from streams.settings import get_settings


class Format(StrEnum):
    table = "table"
    json = "json"
    html = "html"


def _engine() -> Any:
    from storage import StorageError, make_engine, upgrade

    try:
        engine = make_engine(get_settings().database_url.get_secret_value())
        upgrade(engine)
    except StorageError as exc:
        raise CommandError(f"{exc} (check NEWSMON_DATABASE_URL)") from None
    return engine


def _known(store: Any, version: str) -> None:
    versions = store.versions()
    if not any(v["version"] == version for v in versions):
        listed = "; ".join(f"{v['version']} (live {v['live']}, shadow {v['shadow']})" for v in versions) or "none"
        raise CommandError(f"no article was coded by rules version {version!r}; versions in the database: "
                           f"{listed}")


def diff(
    from_version: Annotated[str, typer.Option("--from", help="The version to compare from (usually the live one).")],
    to_version: Annotated[str, typer.Option("--to", help="The version to compare to (usually a shadow run).")],
    since: Annotated[str | None, typer.Option("--since", help=f"Only articles published since: {FORMS}.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only articles published before, same forms.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table (default), json, or html (a page to review).")]
        = Format.table,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Changes listed with evidence in a table.")] = 50,
) -> None:
    """Events added, removed and changed from one rules version to another, per type and subtype, with evidence."""
    from storage import StorageError
    from storage.shadow import ShadowStore, compare

    with user_errors():
        start = parse_time(since) if since else None
        end = parse_time(until) if until else None
        try:
            store = ShadowStore(_engine())
            for version in (from_version, to_version):
                _known(store, version)
            result = compare(from_version, store.coded(from_version, since=start, until=end),
                             to_version, store.coded(to_version, since=start, until=end))
        except StorageError as exc:
            raise CommandError(str(exc)) from None
        if result.compared == 0:
            raise CommandError(f"no article was coded by both {from_version} and {to_version} (in the window): "
                               f"run `newsmon recode --shadow` over the same articles first")
        if fmt is Format.json:
            typer.echo(json.dumps(as_json(result), indent=2))
        elif fmt is Format.html:
            typer.echo(as_html(result))
        else:
            _print_table(result, limit)


def _change_json(change: Any) -> dict[str, Any]:
    ev = change.event
    return {"kind": change.kind, "article_id": change.article_id, "type": ev.type, "subtype": ev.subtype,
            "evidence": ev.evidence.text, "fields": change.fields(),
            "old": change.old.model_dump(mode="json") if change.old else None,
            "new": change.new.model_dump(mode="json") if change.new else None}


def as_json(result: Any) -> dict[str, Any]:
    return {"from": result.old_version, "to": result.new_version, "articles_compared": result.compared,
            "articles_only_from": result.only_old, "articles_only_to": result.only_new,
            "events_unchanged": result.unchanged,
            "by_type": [{"type": t, "subtype": s, **c} for (t, s), c in result.counts().items()],
            "changes": [_change_json(c) for c in result.changes]}


def _what(change: Any) -> str:
    if change.kind != "changed":
        ev = change.event
        return f"{','.join(ev.actors) or '-'} -> {','.join(ev.targets) or '-'} ({ev.certainty})"
    return "; ".join(f"{f}: {getattr(change.old, f)} -> {getattr(change.new, f)}" for f in change.fields())


def _print_table(result: Any, limit: int) -> None:
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"{result.old_version} -> {result.new_version}: {result.compared} article(s) compared, "
              f"{result.unchanged} event(s) unchanged, {len(result.changes)} change(s)")
    if result.only_old or result.only_new:
        out.print(f"not compared: {result.only_old} article(s) coded only by {result.old_version}, "
                  f"{result.only_new} only by {result.new_version}")
    summary = Table(title="changes by type and subtype")
    for name in ("type", "subtype", "added", "removed", "changed"):
        summary.add_column(name, justify="right" if name in ("added", "removed", "changed") else "left")
    for (t, s), c in result.counts().items():
        summary.add_row(t, s, str(c["added"]), str(c["removed"]), str(c["changed"]))
    out.print(summary)
    if not result.changes or limit == 0:
        return
    detail = Table(title=f"changes with evidence (first {min(limit, len(result.changes))})")
    for name in ("change", "type/subtype", "article", "what", "evidence"):
        detail.add_column(name)
    for change in result.changes[:limit]:
        ev = change.event
        detail.add_row(change.kind, f"{ev.type}/{ev.subtype}", change.article_id, _what(change), ev.evidence.text)
    out.print(detail)


def as_html(result: Any) -> str:
    """A self-contained page for an analyst's review."""
    e = html.escape
    rows = "".join(f"<tr><td>{e(t)}</td><td>{e(s)}</td><td>{c['added']}</td><td>{c['removed']}</td>"
                   f"<td>{c['changed']}</td></tr>" for (t, s), c in result.counts().items())
    changes = "".join(f"<tr class='{c.kind}'><td>{c.kind}</td><td>{e(c.event.type)}/{e(c.event.subtype)}</td>"
                      f"<td>{e(c.article_id)}</td><td>{e(_what(c))}</td><td>{e(c.event.evidence.text)}</td></tr>"
                      for c in result.changes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>newsmon diff {e(result.old_version)} -&gt; {e(result.new_version)}</title>
<style>body{{font-family:sans-serif}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:4px}}
tr.added{{background:#e8f5e9}} tr.removed{{background:#ffebee}} tr.changed{{background:#fff8e1}}</style></head>
<body><h1>{e(result.old_version)} &rarr; {e(result.new_version)}</h1>
<p>{result.compared} article(s) compared, {result.unchanged} event(s) unchanged, {len(result.changes)} change(s);
not compared: {result.only_old} only in {e(result.old_version)}, {result.only_new} only in {e(result.new_version)}.</p>
<h2>By type and subtype</h2>
<table><tr><th>type</th><th>subtype</th><th>added</th><th>removed</th><th>changed</th></tr>{rows}</table>
<h2>Changes with evidence</h2>
<table><tr><th>change</th><th>type/subtype</th><th>article</th><th>what</th><th>evidence</th></tr>{changes}</table>
</body></html>"""


def promote(
    version: Annotated[str, typer.Argument(help="The rules version whose shadow run becomes live.")],
) -> None:
    """Make a shadow run live: its analyses replace the live rows of the articles it coded (events, entities,
    mentions), and their incidents are rebuilt. Alerts are not sent again."""
    from functools import partial

    import processors.incidents as clustering
    from storage import IncidentStore, Repository, StorageError
    from storage.shadow import ShadowStore

    settings = get_settings()
    out = Console(highlight=False, soft_wrap=True)
    with user_errors():
        try:
            engine = _engine()
            shadow = ShadowStore(engine)
            records = shadow.shadow_records(version)
            if not records:
                _known(shadow, version)
                raise CommandError(f"{version} has no shadow run to promote (its articles are live already)")
            repo = Repository(engine, migrate=False)
            saved = skipped = 0
            store = IncidentStore(engine)
            cluster = partial(clustering.cluster, window_days=settings.incident_window_days,
                              escalation_days=settings.incident_escalation_days,
                              min_similarity=settings.incident_similarity)
            for i in range(0, len(records), 200):
                chunk = records[i:i + 200]
                result = repo.save_batch(chunk)
                saved += len(result.written)
                skipped += len(result.skipped)
                written = set(result.written)
                kept = [r for r in chunk if r.article.id in written]
                members = [m for r in kept for m in clustering.members_of(r)]
                # promote announces nothing: what its rebuild makes due is recorded as announced, so a later
                # live batch of the same parties does not announce it either
                store.mark_announced(store.update([r.article.id for r in kept], members, cluster,
                                                  settings.incident_threshold))
            shadow.record_promotion(version, saved)
        except StorageError as exc:
            raise CommandError(str(exc)) from None
    out.print(f"promoted {version}: {saved} article(s) now live with its analyses"
              + (f"; {skipped} kept their stored analysis from newer rules" if skipped else ""))


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("promote")(promote)
