#!/usr/bin/env bash
# Claim-list benchmark: Contested against a bare Starlette + sqlite3 floor (bench/floor.py)
# on the same SQLite file of 10,000 claims, one uvicorn worker each, both pinned to CPU 0,
# with wrk pinned to CPU 1. After a warm-up the targets are measured in alternation
# (contested, floor, contested, floor, ...) so that drift of the machine hits all of them.
# Results go to bench/results/<timestamp>/ and the summary (req/s, p50, p99, ratio) to stdout;
# the exit status is 1 when the median ratio contested/floor is below 0.5.
#
#   bash bench/run.sh                      # or: make bench
#   ROUNDS=5 DURATION=15s bash bench/run.sh
#   BENCH_VARIANTS=1 bash bench/run.sh     # also the diagnostic routes of bench/variants.py
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
Q="?limit=50"
TARGETS=(contested floor)
declare -A URL=([contested]="http://127.0.0.1:8101/v1/claims$Q" [floor]="http://127.0.0.1:8102/v1/claims$Q")
if [ -n "${BENCH_VARIANTS:-}" ]; then
    TARGETS+=(x_core_tuned x_raw x_cached)
    for name in core_tuned raw cached; do URL[x_$name]="http://127.0.0.1:8103/x/$name$Q"; done
fi

if ! command -v wrk >/dev/null; then
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi
[ -f "$DB" ] || "$PY" bench/make_data.py --out "$DB"

OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

idle_percent() {  # share of CPU time the whole machine spent idle over the next 2 seconds
    local a b
    read -ra a </proc/stat
    sleep 2
    read -ra b </proc/stat
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $((100 * (b[4] - a[4]) / total))
}
IDLE=$(idle_percent)
if [ "$IDLE" -lt 80 ]; then  # other work on the machine skews both servers unevenly
    echo "WARNING: the machine was only $IDLE% idle before the run; figures are unreliable" |
        tee "$OUT/WARNING" >&2
fi
PIDS=()
stop() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

serve() {  # serve PORT APP [ENV=VALUE ...]: one uvicorn worker on CPU 0, in the background
    local port=$1 app=$2
    shift 2
    env "$@" taskset -c 0 .venv/bin/uvicorn "$app" --workers 1 --host 127.0.0.1 --port "$port" \
        --no-access-log --log-level warning >"$OUT/server-$port.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
        sleep 0.1
    done
    echo "nothing answers on port $port; see $OUT/server-$port.log" >&2
    exit 1
}
# The rate limiter is off: one wrk address would be throttled after 600 requests, and
# the floor has none. Its own cost is measured apart (docs/benchmarks.md).
serve 8101 app.asgi:app CONTESTED_DATABASE_URL="sqlite:///$DB" \
    CONTESTED_RATE_LIMIT_ENABLED="${CONTESTED_RATE_LIMIT_ENABLED:-false}"
serve 8102 bench.floor:app BENCH_DB="$DB"
[ -z "${BENCH_VARIANTS:-}" ] || serve 8103 bench.variants:app CONTESTED_DATABASE_URL="sqlite:///$DB" \
    CONTESTED_RATE_LIMIT_ENABLED=false

for target in "${TARGETS[@]}"; do
    [ "$target" = contested ] && continue
    "$PY" bench/floor.py --verify "${URL[contested]}" "${URL[$target]}" | tee -a "$OUT/verify.txt"
done

load() {  # load TARGET DURATION [wrk options]: one bounded wrk run on CPU 1
    local target=$1 duration=$2
    shift 2
    timeout 120 taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$duration" "$@" "${URL[$target]}"
}

for target in "${TARGETS[@]}"; do
    echo "warm-up: $target, $WARMUP"
    load "$target" "$WARMUP" >/dev/null
done
for round in $(seq "$ROUNDS"); do
    for target in "${TARGETS[@]}"; do
        echo "round $round: $target, $DURATION"
        {
            echo "loadavg before: $(cat /proc/loadavg)"
            load "$target" "$DURATION" --latency
            echo "loadavg after: $(cat /proc/loadavg)"
        } >"$OUT/$target-$round.txt"
    done
done

"$PY" bench/summarize.py "$OUT" "${TARGETS[@]}" | tee "$OUT/summary.md"
