"""HTTP on the Faust web server: GET /metrics, GET /health, POST /articles.

POST /articles takes one JSON article or a list of them (at least `text`; id derived from url or text when
absent), validates them all, publishes them to the articles topic and answers with their ids. With
NEWSMON_INGEST_TOKEN set it requires `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Any

import faust
from faust.types import TopicT
from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.sources import ArticleInputError, article_from_mapping
from streams.worker.runtime import Runtime


def _authorized(request: Request, token: str | None) -> bool:
    if not token:
        return True
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def install(app: faust.App, topics: dict[str, TopicT], runtime: Runtime) -> None:
    """Register the views on `app`, serving `runtime`'s registry and publishing to the articles topic."""
    registry = runtime.metrics.registry
    token = runtime.settings.ingest_token.get_secret_value() if runtime.settings.ingest_token else None
    articles_topic = topics["articles"]

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
            try:
                payload: Any = json.loads(await request.read())
            except ValueError as exc:
                return self.json({"error": f"body is not JSON: {exc}"}, status=400)
            items = payload if isinstance(payload, list) else [payload]
            articles, errors = [], []
            for index, item in enumerate(items):
                try:
                    articles.append(article_from_mapping(item))
                except ArticleInputError as exc:
                    errors.append({"index": index, "error": str(exc)})
            if errors or not articles:
                return self.json({"error": "invalid articles; nothing was published",
                                  "details": errors or [{"error": "no article in the body"}]}, status=400)
            futures = [await articles_topic.send(key=a.id.encode(), value=a.model_dump_json().encode())
                       for a in articles]
            await asyncio.gather(*futures)  # answer only once the broker has them
            return self.json({"published": len(articles), "ids": [a.id for a in articles]}, status=202)
