# The minutes-bot webhook service.
#
#   docker build -t minutes-bot --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run --env-file .env -p 8080:8080 -v minutes-bot-data:/var/lib/minutes-bot minutes-bot
#
# Both stages use the same base image: the virtualenv built in the first one points at
# that image's Python, so it runs unchanged in the second.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The locked dependencies get a layer of their own, rebuilt only when the lock changes,
# not on every change of the code.
COPY requirements.lock ./
COPY scripts/install.sh ./scripts/install.sh
RUN bash scripts/install.sh --dependencies /opt/venv /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN bash scripts/install.sh /opt/venv /src \
    && /opt/venv/bin/python -m pip uninstall --quiet --yes pip


FROM python:3.11-slim-bookworm
ARG VERSION=0.1.0
ARG REVISION=""
LABEL org.opencontainers.image.title="minutes-bot" \
      org.opencontainers.image.description="Turn action items in committed meeting minutes into tracked GitHub issues." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/OWNER/minutes-bot" \
      org.opencontainers.image.documentation="https://github.com/OWNER/minutes-bot/blob/main/docs/deploy.md"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080 \
    MINUTES_BOT_JOURNAL=/var/lib/minutes-bot/journal.sqlite3

# No installers or build tools at run time: the base image's pip, setuptools and wheel
# go. A fixed numeric id, so volumes and Kubernetes' runAsNonRoot can rely on it.
RUN python -m pip uninstall --quiet --yes pip setuptools wheel \
    && groupadd --system --gid 10001 minutes-bot \
    && useradd --system --uid 10001 --gid minutes-bot --no-create-home \
       --home-dir /var/lib/minutes-bot --shell /usr/sbin/nologin minutes-bot \
    && install -d -o minutes-bot -g minutes-bot -m 0750 /var/lib/minutes-bot

COPY --from=build /opt/venv /opt/venv

USER 10001:10001
WORKDIR /var/lib/minutes-bot
# The SQLite journal of accepted deliveries: keep it across restarts.
VOLUME ["/var/lib/minutes-bot"]
EXPOSE 8080

# The slim image has no curl; Python's urllib fails on anything but a 2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/healthz', timeout=4)"]

ENTRYPOINT ["minutes-bot"]
# Listen on every interface of the container, not only its loopback.
CMD ["serve", "--host", "0.0.0.0"]
