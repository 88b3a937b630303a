"""HTTP on the Faust web server: GET /metrics, GET /health, POST /articles.

POST /articles reads its body with the readers `newsmon publish` uses (streams.inputs): a JSON object, an array,
{"articles": [...]}, JSON lines, text, an HTML page or an RSS/Atom feed (by Content-Type, else recognised), and
the same admission check. All or nothing: when any record is refused, nothing is published and the answer is
400 with each refused record's position and reason; otherwise 202 with the ids, once the broker has them.
With NEWSMON_INGEST_TOKEN set it requires `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import hmac

import faust
from faust.types import TopicT
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.inputs import Item, admit, kind_for_content_type, read_document
from streams.worker.runtime import Runtime


def _authorized(request: Request, token: str | None) -> bool:
    if not token:
        return True
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _read_body(body: bytes, kind: str | None, max_text_bytes: int, topic: str) -> list[Item]:
    return list(admit(read_document(body, "body", kind), max_text_bytes, topic))


def install(app: faust.App, topics: dict[str, TopicT], runtime: Runtime) -> None:
    """Register the views on `app`, serving `runtime`'s registry and publishing to the articles topic."""
    registry = runtime.metrics.registry
    token = runtime.settings.ingest_token.get_secret_value() if runtime.settings.ingest_token else None
    articles_topic = topics["articles"]
    max_text_bytes = runtime.settings.max_text_bytes

    @app.page("/metrics", name="newsmon.metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            # The full Prometheus content type (with version and charset) goes in as a header: aiohttp refuses
            # a charset inside `content_type`.
            return self.bytes(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/health", name="newsmon.health")
    class Health(View):
        async def get(self, request: Request) -> Response:
            assignment = sorted(f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment())
            return self.json({"status": "ok", "group": app.conf.id, "assigned_partitions": assignment})

    @app.page("/articles", name="newsmon.articles")
    class Articles(View):
        async def post(self, request: Request) -> Response:
            if not _authorized(request, token):
                return self.json({"error": "missing or wrong bearer token (NEWSMON_INGEST_TOKEN)"},
                                 status=401, headers={"WWW-Authenticate": "Bearer"})
            body = await request.read()
            kind = kind_for_content_type(request.headers.get("Content-Type"))
            # Off the event loop: HTML extraction and feed parsing are CPU work, and the loop sends the heartbeats.
            items = await asyncio.get_running_loop().run_in_executor(None, _read_body, body, kind, max_text_bytes,
                                                                     articles_topic.get_topic_name())
            articles = [item.article for item in items if item.article is not None]
            errors = [{"index": index, "where": item.where, "error": item.error}
                      for index, item in enumerate(items) if item.article is None]
            if errors or not articles:
                return self.json({"error": "invalid articles; nothing was published",
                                  "details": errors or [{"error": "no article in the body"}]}, status=400)
            futures = [await articles_topic.send(key=a.id.encode(), value=a.model_dump_json().encode())
                       for a in articles]
            await asyncio.gather(*futures)  # answer only once the broker has them
            return self.json({"published": len(articles), "ids": [a.id for a in articles]}, status=202)
