#!/usr/bin/env bash
# Where Contested's time goes on the claim list: py-spy samples the uvicorn worker (CPU 0)
# while wrk (CPU 1) loads GET /v1/claims?limit=50, then bench/pyspy_top.py prints the share
# of the event-loop thread's samples spent in each frame. Needs py-spy in the venv
# (.venv/bin/pip install py-spy); --nonblocking so that sampling never pauses the server.
#
#   bash bench/profile.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_SAMPLE=${1:-15}
DB=${BENCH_DB:-bench/data/claims-10k.db}
PORT=8105
[ -x .venv/bin/py-spy ] || { echo "py-spy missing: .venv/bin/pip install py-spy" >&2; exit 1; }
[ -f "$DB" ] || .venv/bin/python bench/make_data.py --out "$DB"
OUT=bench/results/profile-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

CONTESTED_DATABASE_URL="sqlite:///$DB" CONTESTED_RATE_LIMIT_ENABLED=false taskset -c 0 .venv/bin/uvicorn app.asgi:app --workers 1 \
    --host 127.0.0.1 --port $PORT --no-access-log --log-level warning >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
sleep 3
URL="http://127.0.0.1:$PORT/v1/claims?limit=50"
taskset -c 1 wrk -t1 -c10 -d3s "$URL" >/dev/null
taskset -c 1 timeout $((SECONDS_TO_SAMPLE + 30)) .venv/bin/py-spy record --nonblocking -r 100 \
    -d "$SECONDS_TO_SAMPLE" -f raw -o "$OUT/contested.folded" -p $SERVER >"$OUT/py-spy.log" 2>&1 &
SPY=$!
timeout $((SECONDS_TO_SAMPLE + 30)) taskset -c 1 wrk -t1 -c10 -d$((SECONDS_TO_SAMPLE + 2))s "$URL" \
    | tee "$OUT/wrk.txt" | grep Requests/sec
wait $SPY
.venv/bin/python bench/pyspy_top.py "$OUT/contested.folded" | tee "$OUT/top.txt"
