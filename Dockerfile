# Contested: a slim image with the app installed without dev tools, run as a
# non-root user; migrations run on start, then the server.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONTESTED_DATABASE_URL=sqlite:////data/contested.db
RUN useradd --create-home --uid 10001 contested \
    && mkdir /data && chown contested /data
COPY --from=build /install /usr/local
WORKDIR /srv/contested
COPY alembic.ini ./
COPY migrations ./migrations
COPY seeds ./seeds
USER contested
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["sh", "-c", "contested db upgrade && exec contested serve --host 0.0.0.0 --port 8000"]
