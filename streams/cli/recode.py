"""`newsmon recode`: re-code stored articles from the database, by published date, source or id list.

Without --shadow the articles go to the replay topic, which the worker consumes beside live traffic with the
same agents, so rows, incidents and alerts come out as for live articles (content-derived ids: upserts). The
topic's retention no longer limits a backfill: the text comes from the database. With --shadow the articles are
coded here, with the installed rules (or a trial change of them), into the shadow tables: no alert, no live row
touched; `newsmon diff` compares and `newsmon promote` makes the version live.

Progress is stored in the database (recode_runs) after each page: a re-run of the same command after Ctrl-C
continues with the first article not yet handed on.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from streams.cli.errors import CommandError, err, user_errors
from streams.cli.timeparse import FORMS, format_utc, parse_time
from streams.settings import Settings, get_settings

RECODE_HEADER = "newsmon-recode-run"  # on each record sent: the run it belongs to


def _selection(since: str | None, until: str | None, sources: list[str] | None, ids_from: Path | None) -> Any:
    from storage.recode import Selection

    now = parse_time("now")
    start = parse_time(since, now=now) if since else None
    end = parse_time(until, now=now) if until else None
    if start and end and start >= end:
        raise CommandError(f"--since {format_utc(start)} is not before --until {format_utc(end)}: "
                           "give the earlier time to --since")
    ids: tuple[str, ...] = ()
    if ids_from is not None:
        try:
            lines = ids_from.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"cannot read --ids-from {ids_from}: {exc.strerror or exc}") from None
        ids = tuple(dict.fromkeys(s for line in lines if (s := line.strip()) and not s.startswith("#")))
        if not ids:
            raise CommandError(f"--ids-from {ids_from} holds no article id (one per line; # starts a comment)")
    return Selection(since=start, until=end, sources=tuple(sources or ()), ids=ids)


def _describe(sel: Any) -> str:
    parts = [f"published in [{format_utc(sel.since) if sel.since else 'the beginning'}, "
             f"{format_utc(sel.until) if sel.until else 'now'})"]
    if sel.sources:
        parts.append(f"source {', '.join(sel.sources)}")
    if sel.ids:
        parts.append(f"{len(sel.ids)} listed id(s)")
    return "; ".join(parts)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=False)


class Pace:
    """At most `rate` articles per second on average (0: unbounded), so a backfill runs beside live traffic."""

    def __init__(self, rate: float):
        self.rate = rate
        self.start = time.monotonic()
        self.count = 0

    def wait(self, n: int = 1) -> None:
        self.count += n
        if self.rate > 0:
            ahead = self.start + self.count / self.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)


def _rules_data(pairs: list[str] | None) -> tuple[tuple[str, bytes], ...]:
    from processors.rules import DATA_FILES

    out = []
    for pair in pairs or ():
        name, sep, path = pair.partition("=")
        if not sep or name not in DATA_FILES:
            raise CommandError(f"--rules-file takes NAME=PATH with NAME one of {', '.join(DATA_FILES)}; got {pair!r}")
        try:
            out.append((name, Path(path).read_bytes()))
        except OSError as exc:
            raise CommandError(f"cannot read --rules-file {path}: {exc.strerror or exc}") from None
    return tuple(out)


def recode(
    since: Annotated[str | None, typer.Option("--since", help=f"Articles published at or after: {FORMS}.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Articles published before, same forms.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only articles of this source (repeat for several).")] = None,
    ids_from: Annotated[Path | None, typer.Option(
        "--ids-from", help="Only the article ids listed in this file, one per line.")] = None,
    rate: Annotated[float, typer.Option(
        "--rate", min=0, help="At most this many articles per second (0: no bound).")] = 50.0,
    page: Annotated[int, typer.Option("--page", min=1, help="Articles per page (progress is saved per page).")] = 200,
    restart: Annotated[bool, typer.Option(
        "--restart", help="Start the selection again from its first article instead of continuing.")] = False,
    shadow: Annotated[bool, typer.Option(
        "--shadow", help="Code here with the installed rules into the shadow tables: no alerts, live rows "
                         "untouched; compare with `newsmon diff`, make live with `newsmon promote`.")] = False,
    rules_file: Annotated[list[str] | None, typer.Option(
        "--rules-file", help="With --shadow: try a changed rules data file, NAME=PATH (lexicons.json=my.json).")]
        = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count the selected articles; send nothing.")] = False,
) -> None:
    """Re-code stored articles from the database (older than any topic retention), resumably."""
    settings = get_settings()
    out = Console(highlight=False, soft_wrap=True)
    with user_errors(interrupt_code=130):
        if rules_file and not shadow:
            raise CommandError("--rules-file only applies to a --shadow run (live coding uses the installed rules)")
        sel = _selection(since, until, source, ids_from)
        _run(settings, out, sel, rate=rate, page=page, restart=restart, shadow=shadow,
             rules_data=_rules_data(rules_file), dry_run=dry_run)


def _store(settings: Settings) -> Any:
    from storage import StorageError, make_engine, upgrade
    from storage.recode import RecodeStore

    try:
        engine = make_engine(settings.database_url.get_secret_value())
        upgrade(engine)
    except StorageError as exc:
        raise CommandError(f"{exc} (check NEWSMON_DATABASE_URL)") from None
    return RecodeStore(engine)


def _run(settings: Settings, out: Console, sel: Any, *, rate: float, page: int, restart: bool, shadow: bool,
         rules_data: tuple[tuple[str, bytes], ...], dry_run: bool) -> None:
    from storage import StorageError

    try:
        store = _store(settings)
        total = store.count(sel)
        out.print(f"{total} stored article(s) {_describe(sel)}")
        if total == 0:
            raise CommandError("nothing to recode: no stored article matches; widen --since/--until or check "
                               "--source (`newsmon db stats` shows what is stored)")
        if dry_run:
            out.print("dry run: nothing sent")
            return
        coder = _ShadowCoder(settings, rules_data, store.engine) if shadow else _LiveSender(settings)
        try:
            _walk(store, sel, coder, out, total=total, rate=rate, page=page, restart=restart)
        finally:
            coder.close()
    except StorageError as exc:
        raise CommandError(f"{exc} (check NEWSMON_DATABASE_URL)") from None


def _walk(store: Any, sel: Any, coder: Any, out: Console, *, total: int, rate: float, page: int,
          restart: bool) -> None:
    run_id = sel.key(coder.purpose)
    run = store.start(run_id, sel, total, restart=restart)
    if run.finished:
        out.print(f"this selection was already {coder.verb} ({run.done} article(s)); "
                  "add --restart to do it again")
        return
    if run.done:
        out.print(f"continuing run {run_id}: {run.done} article(s) done before")
    done, cursor, pace = run.done, run.cursor, Pace(rate)
    try:
        with _progress() as progress:
            task = progress.add_task(coder.verb, total=max(total, done), completed=done)
            while True:
                batch = store.page(sel, cursor, page)
                if not batch:
                    break
                for _ in batch:
                    pace.wait()
                coder.handle([article for _, article in batch], run_id)
                cursor, done = batch[-1][0], done + len(batch)
                store.advance(run_id, cursor, done)
                progress.update(task, completed=done, total=max(total, done))
    except KeyboardInterrupt:
        err.print(f"interrupted after {done} article(s); progress is saved: run the same command again to "
                  "continue (--restart starts over)")
        raise
    store.advance(run_id, cursor, done, finished=True)
    out.print(coder.summary(done))


class _LiveSender:
    """Sends articles to the replay topic, through the worker's agents like live traffic."""

    purpose = "live"
    verb = "recoded"

    def __init__(self, settings: Settings):
        from streams.kafka import clients as kafka_clients
        from streams.kafka.reader import partitions_of

        self.target = settings.topics()["replay"].full_name(settings.topic_prefix)
        consumer = kafka_clients.consumer(settings)
        try:
            partitions_of(consumer, [self.target])  # fail before sending if it is missing
        finally:
            consumer.close()
        self.producer = kafka_clients.producer(settings, linger_ms=20)
        self.failed: list[BaseException] = []

    def handle(self, articles: list, run_id: str) -> None:
        for article in articles:
            future = self.producer.send(self.target, key=article.id.encode("utf-8"),
                                        value=article.model_dump_json().encode("utf-8"),
                                        headers=[(RECODE_HEADER, run_id.encode())])
            future.add_errback(self.failed.append)
        self.producer.flush()
        if self.failed:
            raise CommandError(f"{len(self.failed)} article(s) could not be sent to {self.target} "
                               f"(first error: {self.failed[0]!r}); run the same command again to continue")

    def summary(self, done: int) -> str:
        return (f"sent {done} article(s) to {self.target}; the worker codes them beside live traffic "
                "(`newsmon status` shows its progress)")

    def close(self) -> None:
        self.producer.close()


class _ShadowCoder:
    """Codes articles here with the installed rules into the shadow tables."""

    verb = "shadow-coded"

    def __init__(self, settings: Settings, rules_data: tuple[tuple[str, bytes], ...], engine: Any):
        import processors
        from storage.shadow import ShadowStore

        err.print(f"loading spaCy model {settings.spacy_model} and the rules", style="dim")
        self.rules = processors.load_rules(data=rules_data)
        self.nlp = processors.load_nlp(settings.spacy_model)
        self.batch_size = settings.nlp_batch_size
        self.store = ShadowStore(engine)
        self.purpose = f"shadow:{self.rules.version}"
        self.events = 0

    def handle(self, articles: list, run_id: str) -> None:
        import processors
        from schemas import EnrichedArticle

        analyses = processors.process_batch(articles, self.nlp, self.rules, batch_size=self.batch_size)
        records = [EnrichedArticle(article=a, analysis=an) for a, an in zip(articles, analyses, strict=True)]
        self.events += sum(len(an.events) for an in analyses)
        self.store.save(records)

    def summary(self, done: int) -> str:
        return (f"shadow run of {self.rules.version}: {done} article(s) coded ({self.events} event(s) this run); "
                f"compare with `newsmon diff --from <live version> --to {self.rules.version}`")

    def close(self) -> None:
        pass


def register(app: typer.Typer) -> None:
    app.command("recode")(recode)



