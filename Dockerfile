# regwatch as a container: `regwatch run` as an unprivileged user, the database in /data.
#   docker build -t regwatch .
#   docker run -d -v regwatch-data:/data -v "$PWD/regwatch.toml:/data/regwatch.toml:ro" --env-file regwatch.env regwatch
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY watcher ./watcher
COPY sources ./sources
COPY alerts ./alerts
RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home regwatch \
    && mkdir -p /data && chown regwatch:regwatch /data && chmod 0700 /data \
    && rm -rf /src

USER regwatch
WORKDIR /data
VOLUME ["/data"]
ENV REGWATCH_DB=/data/regwatch.db

# SIGTERM lets checks in flight finish ([service] shutdown_grace); give it time: docker run --stop-timeout 30
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)"]
ENTRYPOINT ["regwatch"]
CMD ["run", "--health-port", "9108"]
