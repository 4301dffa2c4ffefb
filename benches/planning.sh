#!/usr/bin/env bash
# The simulator against Erlang C, the pooling cases, a collection-peak day planned and checked,
# and the speed run (a 10-window hall, 100,000 customers). Figures in docs/planning.md and
# BENCHMARKS.md. Needs jq; builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/hallq
dir=docs/scenarios

echo "== against Erlang C and pooling (overall: customers, mean ± 95%, P(wait), p90, within target, estimate error p50/p90)"
for f in "$dir"/erlang-*.json "$dir"/pooling-*.json; do
  start=$(date +%s.%N)
  "$bin" simulate "$f" > /tmp/hallq-planning.json
  end=$(date +%s.%N)
  printf '%-48s %6.2f s  ' "$(basename "$f")" "$(echo "$end - $start" | bc)"
  jq -c '.overall | [.customers, .mean_wait_min, .mean_wait_ci95_min, .p_wait, .p90_wait_min, .within_target, .estimate_error_p50_min, .estimate_error_p90_min]' /tmp/hallq-planning.json
done

echo "== a collection-peak day: the plan, checked"
"$bin" staffing "$dir"/collection-peak-day.json --target 0.8 --check \
  | jq -c '{attained: .check.attained, top_ups: .check.top_ups, cash_windows: .cash_windows, services: (.check.result.services | map_values({mean_wait_min, within_target}))}'

echo "== speed: 10 windows, 3 services, 100,000 customers, one replication (three runs)"
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$bin" simulate "$dir"/speed-10-windows-100k.json > /tmp/hallq-planning.json
  end=$(date +%s.%N)
  printf '%.3f s  ' "$(echo "$end - $start" | bc)"
  jq -c '{customers, no_shows}' /tmp/hallq-planning.json
done
