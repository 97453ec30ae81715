#!/usr/bin/env bash
# Claim-list benchmark: Contested against a bare Starlette + sqlite3 floor (bench/floor.py)
# on the same SQLite file of 10,000 claims, one uvicorn worker each, both pinned to CPU 0,
# with wrk pinned to CPU 1. After a warm-up the two servers are measured in alternation
# (contested, floor, contested, floor, ...) so that drift of the machine hits both.
# Results go to bench/results/<timestamp>/ and the summary (req/s, p50, p99, ratio) to stdout.
#
#   bash bench/run.sh                      # or: make bench
#   ROUNDS=5 DURATION=15s bash bench/run.sh
#
# Installs nothing but wrk, and only when it is missing (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-10}
DB=${BENCH_DB:-bench/data/claims-10k.db}
PY=.venv/bin/python
PATH_Q="/v1/claims?limit=50"
declare -A PORT=([contested]=8101 [floor]=8102)

if ! command -v wrk >/dev/null; then
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi
[ -f "$DB" ] || "$PY" bench/make_data.py --out "$DB"

OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
PIDS=()
stop() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

UVICORN=(taskset -c 0 .venv/bin/uvicorn --workers 1 --host 127.0.0.1 --no-access-log
         --log-level warning)
CONTESTED_DATABASE_URL="sqlite:///$DB" "${UVICORN[@]}" --port "${PORT[contested]}" \
    app.asgi:app >"$OUT/contested.log" 2>&1 &
PIDS+=($!)
BENCH_DB="$DB" "${UVICORN[@]}" --port "${PORT[floor]}" bench.floor:app >"$OUT/floor.log" 2>&1 &
PIDS+=($!)

for server in contested floor; do
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$server]}") 2>/dev/null && break
        sleep 0.1
    done
done
"$PY" bench/floor.py --verify "http://127.0.0.1:${PORT[contested]}" \
    "http://127.0.0.1:${PORT[floor]}" | tee "$OUT/verify.txt"

load() {  # load SERVER DURATION [wrk options]: one bounded wrk run against SERVER
    local server=$1 duration=$2
    shift 2
    timeout 120 taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$duration" "$@" \
        "http://127.0.0.1:${PORT[$server]}$PATH_Q"
}

for server in contested floor; do
    echo "warm-up: $server, $WARMUP"
    load "$server" "$WARMUP" >/dev/null
done
for round in $(seq "$ROUNDS"); do
    for server in contested floor; do
        echo "round $round: $server, $DURATION"
        load "$server" "$DURATION" --latency >"$OUT/$server-$round.txt"
    done
done

"$PY" bench/summarize.py "$OUT" | tee "$OUT/summary.md"
