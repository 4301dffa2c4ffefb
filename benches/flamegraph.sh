#!/usr/bin/env bash
# A CPU flame graph of ticket issuance (issue 19): the release server on a fresh SQLite file,
# wrk -t2 -c64 POSTing tickets, `perf record` of the server for BENCH_SECONDS while wrk runs,
# folded and drawn with inferno. Writes docs/flamegraph-issuance.svg (or BENCH_SVG) and prints
# the busiest frames and the kernel's share. BENCH_TITLE names the build in the graph's title.
# Needs perf (linux-perf), wrk and inferno (cargo install inferno): installed when missing.
# Usage: bash benches/flamegraph.sh   (BENCH_SECONDS=10; port 18080; BENCH_SVG=docs/flamegraph-issuance.svg;
#        BENCH_HALLQ_BIN=another build to draw, e.g. an earlier commit's: see benches/support/server.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/support/tools.sh
need_package perf linux-perf
need_cargo_tool inferno-flamegraph inferno
seconds=${BENCH_SECONDS:-10}
svg=${BENCH_SVG:-docs/flamegraph-issuance.svg}
title=${BENCH_TITLE:-hallq}
work=target/flamegraph
source benches/support/server.sh
fresh_database; start_hallq 18080
pid=${hallq_pids[-1]}

wrk -t2 -c64 -d"$((seconds + 4))s" -s benches/issuance/post.lua http://127.0.0.1:18080/api/v1/halls/demo/tickets \
  -- '{"service":"A"}' >"$work/wrk.txt" &
load=$!
sleep 2 # past the start of the run
# Symbols only: the release build has no frame pointers, so user-space stacks are short; the
# leaf frames and the kernel's stacks are what the graph shows reliably.
perf record -q -F 499 -g -p "$pid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
wait "$load"
perf script -i "$work/perf.data" 2>/dev/null | inferno-collapse-perf >"$work/folded.txt"
inferno-flamegraph --title "$title: POST /api/v1/halls/demo/tickets, wrk -t2 -c64, SQLite ($(date -u +%F))" \
  <"$work/folded.txt" >"$svg"
grep -E "Requests/sec|answers" "$work/wrk.txt"
total=$(awk '{ s += $NF } END { print s }' "$work/folded.txt")
kernel=$(awk '$0 ~ /\[k\]|_\[k\]/ || $0 ~ /entry_SYSCALL|do_syscall/ { s += $NF } END { print s + 0 }' "$work/folded.txt")
echo "samples: $total, with a kernel frame: $kernel ($(echo "scale=1; 100 * $kernel / $total" | bc) %)"
echo "busiest leaf frames (% of samples):"
awk '{ n = $NF; $NF = ""; k = split($0, f, ";"); leaf[f[k]] += n; s += n }
     END { for (l in leaf) printf "%6.2f %s\n", 100 * leaf[l] / s, l }' "$work/folded.txt" | sort -rn | sed -n 1,15p
echo "by thread:"
awk '{ n = $NF; split($0, f, ";"); sub(/-[0-9]+(\/[0-9]+)?$/, "", f[1]); t[f[1]] += n; s += n }
     END { for (x in t) printf "%6.2f %s\n", 100 * t[x] / s, x }' "$work/folded.txt" | sort -rn | sed -n 1,8p
stop_hallq
