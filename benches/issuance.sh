#!/usr/bin/env bash
# Ticket issuance with an external load generator (issue 19): wrk from the distribution, in its
# own process, against the bare actix-web handler and against hallq's
# POST /api/v1/halls/demo/tickets, same connections, same body, same run. The bare handler's
# figure is also wrk's own ceiling on this machine: hallq far below it means wrk is not what
# limits hallq. Release build on SQLite (WAL, synchronous=FULL: an acknowledged ticket survives
# kill -9), public limits off (HALLQ_PUBLIC_RATE_LIMIT=0).
# Usage: bash benches/issuance.sh   (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ROUNDS=2;
#        ports 18080, 18090)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk"; exit 2; }
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-2}
cargo build --release -q
cargo build --release -q --example bare_handler
work=target/issuance; rm -rf "$work"; mkdir -p "$work"

start_hallq() {
  rm -f "$work"/hallq.db*
  HALLQ_BIND=127.0.0.1:18080 HALLQ_DATABASE_URL="sqlite://$work/hallq.db" HALLQ_DEMO_PASSWORD=demo-pass-123 \
    HALLQ_ADMIN_PASSWORD=admin-pass-123 HALLQ_PUBLIC_RATE_LIMIT=0 HALLQ_LOG=warn target/release/hallq \
    >"$work/server.log" 2>&1 &
  hallq=$!
  for _ in $(seq 1 100); do curl -sf localhost:18080/healthz >/dev/null && return; sleep 0.2; done
  echo "hallq did not start"; cat "$work/server.log"; exit 1
}
target/release/examples/bare_handler 127.0.0.1:18090 & bare=$!
hallq=
trap 'kill $bare ${hallq:-} 2>/dev/null || true' EXIT

run() { # name url -> prints a row, sets $rps
  local out="$work/run.txt"
  wrk -t2 -c"$connections" -d1s -s benches/issuance/post.lua "$2" -- '{"service":"A"}' >/dev/null # warm-up
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s benches/issuance/post.lua "$2" -- '{"service":"A"}' >"$out"
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  local p50 p99 answers errors
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  answers=$(grep '^answers:' "$out" | cut -d' ' -f2-)
  errors=$(grep -E 'Socket errors|Non-2xx' "$out" | tr '\n' ' ' || true)
  row="| $1 | $rps | $p50 | $p99 | $answers | ${errors:-none} |"
}

echo
echo "wrk -t2 -c$connections -d${seconds}s, body {\"service\":\"A\"}, $(date -u +%F), $(nproc) cores"
echo
echo "| target | requests/s | p50 | p99 | answers | wrk notes |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  run "bare actix-web handler (baseline)" http://127.0.0.1:18090/api/v1/halls/demo/tickets
  echo "$row"; base=$rps
  start_hallq
  run "hallq POST /api/v1/halls/demo/tickets (SQLite)" http://127.0.0.1:18080/api/v1/halls/demo/tickets
  echo "$row"
  echo "|  | **hallq / baseline: $(echo "scale=2; 100 * $rps / $base" | bc) %** (round $round) | | | | |"
  kill "$hallq"; wait "$hallq" 2>/dev/null || true; hallq=
done
