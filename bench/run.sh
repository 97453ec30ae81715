#!/usr/bin/env bash
# The benchmark suite (make bench): Contested, Datasette 0.65 and a bare Starlette + sqlite3
# floor on the same SQLite file, scenario by scenario, at 10k and 1M claims, and Contested
# alone on PostgreSQL; it rewrites the generated part of docs/benchmarks.md. Method,
# scenarios and settings: docs/benchmarks.md and the docstring of bench/suite.py.
#
#   make bench                                   # everything (about 30 minutes)
#   BENCH_SIZES=10k DURATION=2 make bench         # a quick check of the suite itself
#   BENCH_PG_SIZES= make bench                    # without PostgreSQL
#
# Installs what it needs and is missing: wrk and hey (apt-get), Datasette into
# bench/.venv-datasette (pinned in bench/requirements-datasette.txt, kept apart from the
# app's dependencies). PostgreSQL is used at $BENCH_PG_SERVER (default 127.0.0.1:5432,
# user postgres); the suite creates and empties its own bench_<size> databases there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hey >/dev/null || missing+=(hey)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y "${missing[@]}" || { apt-get update && apt-get install -y "${missing[@]}"; }
fi
if [ ! -x bench/.venv-datasette/bin/datasette ]; then
    python3 -m venv bench/.venv-datasette
    bench/.venv-datasette/bin/pip install --quiet -r bench/requirements-datasette.txt
fi
if [ -z "${BENCH_PG_SIZES+set}" ] && ! .venv/bin/python -c '
import os, psycopg
url = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
psycopg.connect(url.replace("+psycopg", "") + "/postgres", connect_timeout=3).close()
' 2>/dev/null; then
    echo "no PostgreSQL answers; running the SQLite part only" >&2
    export BENCH_PG_SIZES=""
fi
exec .venv/bin/python bench/suite.py
