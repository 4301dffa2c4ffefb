#!/usr/bin/env bash
# Taxpayer pages on a busy day with an external load generator (issue 19): the demo hall holds
# 3,000 tickets of today over every service (1,000 served, 2,000 waiting), then wrk asks each
# page for BENCH_SECONDS, first as one person at a time (-c1), then as eight at once (-c8).
# The baseline is the bare actix-web handler (benches/support/bare_handler.rs) under the same
# wrk settings in the same run; hallq's own /healthz is shown too. Release build on SQLite.
# Usage: bash benches/pages.sh   (BENCH_SECONDS=5 BENCH_TICKETS=3000; ports 18080, 18090)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/support/tools.sh
need_package jq jq
seconds=${BENCH_SECONDS:-5}
tickets=${BENCH_TICKETS:-3000}
work=target/pages
source benches/support/server.sh
start_bare
fresh_database; start_hallq 18080

# A busy day: tickets over every service, a third of them served.
codes=(A A A B B C D E F)
for i in $(seq 0 $((tickets - 1))); do echo "${codes[$((i % 9))]}"; done |
  xargs -P 8 -I{} curl -sf -o /dev/null -H 'Content-Type: application/json' \
    -d '{"service":"{}"}' localhost:18080/api/v1/halls/demo/tickets
last=$(curl -sf -H 'Content-Type: application/json' -d '{"service":"A"}' localhost:18080/api/v1/halls/demo/tickets | jq -r .token)
manager=$(curl -sf -H 'Content-Type: application/json' localhost:18080/api/v1/auth/login \
  -d '{"username":"manager1","password":"demo-pass-123"}' | jq -r .token)
for window in $(curl -sf localhost:18080/api/v1/halls/demo/windows | jq -r '.[] | select(.number <= 8) | .id'); do
  for _ in $(seq 1 $((tickets / 3 / 8))); do
    for op in call-next start finish; do
      curl -sf -o /dev/null -X POST -H "Authorization: Bearer $manager" "localhost:18080/api/v1/windows/$window/$op"
    done
  done
done
waiting=$(curl -sf localhost:18080/api/v1/halls/demo/services | jq '[.[].waiting] | add')

pages=(
  "bare actix-web handler (baseline)|http://127.0.0.1:18090/"
  "hallq \`/healthz\`|http://127.0.0.1:18080/healthz"
  "kiosk \`/kiosk/demo\`|http://127.0.0.1:18080/kiosk/demo"
  "phone \`/m/demo\`|http://127.0.0.1:18080/m/demo"
  "tracking \`/t/{token}\` (last in line)|http://127.0.0.1:18080/t/$last"
  "ticket JSON \`/api/v1/tickets/{token}\`|http://127.0.0.1:18080/api/v1/tickets/$last"
  "queue figures \`/api/v1/halls/demo/services\`|http://127.0.0.1:18080/api/v1/halls/demo/services"
  "printable ticket with QR|http://127.0.0.1:18080/t/$last/print"
)
echo
echo "$waiting waiting; wrk -d${seconds}s --latency, $(date -u +%F), $(nproc) cores"
echo
echo "| page | one at a time: requests/s | p50 | p99 | eight at once: requests/s | p50 | p99 | wrk notes |"
echo "|---|---|---|---|---|---|---|---|"
for page in "${pages[@]}"; do
  name=${page%%|*}; url=${page#*|}
  wrk -t1 -c1 -d"${seconds}s" --latency "$url" >"$work/one.txt"
  wrk_figures "$work/one.txt"; one="$rps | $p50 | $p99"; notes=$errors
  wrk -t2 -c8 -d"${seconds}s" --latency "$url" >"$work/eight.txt"
  wrk_figures "$work/eight.txt"
  echo "| $name | $one | $rps | $p50 | $p99 | ${notes:-}${errors:-} |"
done
