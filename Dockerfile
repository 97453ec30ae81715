# Contested: a slim image with the app installed without dev tools, run as a non-root
# user. On start it migrates the database (SQLite in /data, or PostgreSQL named by
# CONTESTED_DATABASE_URL), then serves on port 8000; arguments to `docker run` go to
# `contested serve` (e.g. --workers 2).
FROM python:3.11.14-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11.14-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONTESTED_DATABASE_URL=sqlite:////data/contested.db
RUN useradd --create-home --uid 10001 contested \
    && mkdir /data && chown 10001 /data
COPY --from=build /install /usr/local
WORKDIR /srv/contested
COPY alembic.ini ./
COPY migrations ./migrations
COPY seeds ./seeds
USER 10001
VOLUME ["/data"]
EXPOSE 8000
# Ready, not merely alive: the database answers and its schema is at the latest
# migration. Docker does not restart an unhealthy container; the state tells compose,
# a proxy or an orchestrator whether to send it traffic.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
# exec: the server becomes PID 1 and receives docker stop's SIGTERM itself.
ENTRYPOINT ["sh", "-c", "contested db upgrade && exec contested serve --host 0.0.0.0 --port 8000 \"$@\"", "contested"]
CMD ["--workers", "1"]
