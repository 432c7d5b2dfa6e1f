# Collab production image: one image for web (gunicorn), Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system --gid 10001 collab \
    && useradd --system --uid 10001 --gid collab --home-dir /app --shell /usr/sbin/nologin collab

# Dependencies first (pyproject.toml only), so code changes reuse this layer.
COPY pyproject.toml README.md ./
RUN pip install .

COPY --chown=collab:collab . .
RUN mkdir -p var/media var/documents var/staticfiles var/broker \
    && chown -R collab:collab var

USER collab
EXPOSE 8000

CMD ["gunicorn", "collab.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
