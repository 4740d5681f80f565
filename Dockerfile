# k3zones image: one image, three roles (api, worker, beat) chosen by the command.

# The console's front-end packages, from the npm registry (no CDN at run time).
FROM node:20-bookworm-slim AS console
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Shapely and psycopg ship their own GEOS/libpq in their wheels; nothing else is needed.
RUN groupadd --system k3 && useradd --system --gid k3 --home-dir /app --shell /usr/sbin/nologin k3

WORKDIR /app
# The pinned, hashed runtime dependencies first (a layer that changes only with the lock,
# `make lock`), then the project itself without resolving anything again.
COPY requirements/main.txt ./requirements/main.txt
RUN pip install --require-hashes -r requirements/main.txt
COPY pyproject.toml README.md ./
COPY k3zones ./k3zones
COPY api ./api
COPY workers ./workers
RUN pip install --no-deps . && pip check
COPY app.py alembic.ini ./
COPY docker/gunicorn_conf.py ./gunicorn_conf.py
COPY migrations ./migrations
COPY --from=console /console/node_modules ./console/node_modules
ENV K3_CONSOLE_VENDOR_DIR=/app/console/node_modules
COPY docker/entrypoint.sh /usr/local/bin/k3zones-entrypoint

RUN mkdir -p /data/photos && chown k3:k3 /data/photos
USER k3
EXPOSE 8000
ENTRYPOINT ["k3zones-entrypoint"]
CMD ["api"]
