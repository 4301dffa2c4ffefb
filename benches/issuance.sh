#!/usr/bin/env bash
# Ticket issuance with an external load generator (issue 19): wrk from the distribution, in its
# own process, against the bare actix-web handler and against hallq's
# POST /api/v1/halls/demo/tickets, same connections, same body, same run. The bare handler's
# figure is also wrk's own ceiling on this machine: hallq far below it means wrk is not what
# limits hallq. Release build, public limits off (HALLQ_PUBLIC_RATE_LIMIT=0). On SQLite (WAL,
# synchronous=FULL) an acknowledged ticket survives kill -9.
# Usage: bash benches/issuance.sh   (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ROUNDS=2;
#        BENCH_DB=sqlite|postgres, BENCH_INSTANCES=1|2 (postgres only); ports 18080-18081, 18090)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-2}
instances=${BENCH_INSTANCES:-1}
work=target/issuance
source benches/support/server.sh
[ "$instances" = 1 ] || [ "$bench_db" = postgres ] || { echo "several instances need BENCH_DB=postgres"; exit 2; }
start_bare

wrk_post() { # connections seconds url out
  wrk -t2 -c"$1" -d"$2s" --latency -s benches/issuance/post.lua "$3" -- '{"service":"A"}' >"$4"
}

echo
echo "wrk -t2 -c$connections -d${seconds}s, body {\"service\":\"A\"}, $bench_db, $instances instance(s), $(date -u +%F), $(nproc) cores"
echo
echo "| target | requests/s | p50 | p99 | answers | wrk notes |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  url=http://127.0.0.1:18090/api/v1/halls/demo/tickets
  wrk_post "$connections" 1 "$url" /dev/null # warm-up
  wrk_post "$connections" "$seconds" "$url" "$work/bare.txt"
  wrk_figures "$work/bare.txt"; base=$rps
  echo "| bare actix-web handler (baseline) | $rps | $p50 | $p99 | $answers | ${errors:-none} |"
  fresh_database
  for i in $(seq 1 "$instances"); do start_hallq $((18079 + i)); done
  # With two instances, each gets its own wrk with half the connections, at the same time.
  per=$((connections / instances))
  for phase in warm-up measure; do
    loads=()
    for i in $(seq 1 "$instances"); do
      url="http://127.0.0.1:$((18079 + i))/api/v1/halls/demo/tickets"
      if [ $phase = warm-up ]; then wrk_post "$per" 1 "$url" /dev/null & else wrk_post "$per" "$seconds" "$url" "$work/hallq-$i.txt" & fi
      loads+=($!)
    done
    wait "${loads[@]}"
  done
  total=0
  for i in $(seq 1 "$instances"); do
    wrk_figures "$work/hallq-$i.txt"
    total=$(echo "$total + $rps" | bc)
    echo "| hallq POST /api/v1/halls/demo/tickets ($bench_db, instance $i of $instances) | $rps | $p50 | $p99 | $answers | ${errors:-none} |"
  done
  echo "|  | **hallq / baseline: $(echo "scale=2; 100 * $total / $base" | bc) %** ($total tickets/s, round $round) | | | | |"
  stop_hallq
done
