# regwatch as a container: `regwatch run` as an unprivileged user, the database in /data.
#   docker build -t regwatch .                                    # plain HTTP sources
#   docker build --target browser -t regwatch:browser .           # + the distribution's Chromium
#   docker run -d -v regwatch-data:/data -v "$PWD/regwatch.toml:/data/regwatch.toml:ro" --env-file regwatch.env regwatch
# Dependencies are pinned by constraints.txt (reproducible builds; regenerate it when pyproject changes).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY watcher ./watcher
COPY sources ./sources
COPY alerts ./alerts
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home regwatch \
    && mkdir -p /data && chown regwatch:regwatch /data && chmod 0700 /data

WORKDIR /data
VOLUME ["/data"]
ENV REGWATCH_DB=/data/regwatch.db \
    REGWATCH_HEALTH_PORT=9108

# SIGTERM lets checks in flight finish ([service] shutdown_grace); give it time: docker run --stop-timeout 30
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('REGWATCH_HEALTH_PORT', '9108'), timeout=4)"]
ENTRYPOINT ["regwatch"]
CMD ["run"]


# `render = "browser"` sources: Playwright driving the distribution's Chromium (never a
# browser downloaded by `playwright install`).
FROM base AS browser
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/* \
    && pip install -c /src/constraints.txt "/src[browser]" \
    && rm -rf /src
ENV REGWATCH_CHROMIUM=/usr/bin/chromium
USER regwatch


FROM base AS default
USER root
RUN rm -rf /src
USER regwatch
