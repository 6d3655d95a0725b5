# Aller-Vers in a container: `docker compose up -d` runs it with PostgreSQL and Caddy
# (compose.yaml); docs/deploy.md says how to run it on a plain Debian server instead.
FROM python:3.11-slim-bookworm

# pg_dump and pg_restore for `allervers backup` / `restore` (Debian 12: PostgreSQL 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --home-dir /var/lib/allervers --create-home allervers

WORKDIR /opt/allervers
COPY pyproject.toml README.md ./
COPY api ./api
COPY bot ./bot
COPY messages ./messages
COPY outreach ./outreach
RUN pip install --no-cache-dir . && rm -rf /opt/allervers/build

USER allervers
WORKDIR /var/lib/allervers
ENV ALLERVERS_SPOOL_DIR=/var/lib/allervers/spool \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/allervers"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Migrate, then serve (one container: the schema is brought up to date before it listens).
CMD ["sh", "-c", "allervers db upgrade && exec allervers serve --host 0.0.0.0 --port 8000"]
