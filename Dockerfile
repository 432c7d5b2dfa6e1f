# Collab production image: one image for web (gunicorn), the Celery workers, beat and the
# migrate job. The application is owned by root and read-only to the app user (uid 10001);
# only var/ (media, documents) and /tmp are writable, so it runs on a read-only root
# filesystem with volumes on var/media, var/documents and a tmpfs on /tmp.

# --- build stage: dependencies into a virtualenv; build leftovers stay here ---------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md /src/
RUN /opt/venv/bin/pip install /src

# --- runtime stage --------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    STATIC_ROOT=/app/staticfiles \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

# pg_dump/pg_restore for `manage.py backup` and `restore` (client >= server version).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 collab \
    && useradd --system --uid 10001 --gid collab --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin collab

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Code, templates, static sources and .mo files: owned by root, not writable by collab.
COPY . .
# Static files are collected at build time (root-owned); only var/ belongs to collab.
RUN SECRET_KEY=collectstatic-during-build-only DEBUG=0 PROMETHEUS_MULTIPROC_DIR= \
       python manage.py collectstatic --noinput -v0 \
    && mkdir -p var/media var/documents \
    && chmod -R go-w /app \
    && chown -R 10001:10001 var

USER 10001:10001
EXPOSE 8000 9808

CMD ["gunicorn", "--config", "python:collab.ops.gunicorn", "collab.wsgi:application"]
