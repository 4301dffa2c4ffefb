#!/usr/bin/env bash
# Call-next racing on 8 windows (issue 19): the demo hall's windows 1-8 all serve A; a queue of
# A tickets is filled first, then each window's staff member (signed in at it, one connection
# each, one wrk thread each) calls as fast as the server answers, all racing for the same queue:
#   no-show: call-next, then no-show (the shortest loop the lifecycle allows);
#   serve:   call-next, start, finish (a taxpayer served).
# Afterwards the log is checked: every ticket was called exactly once, by one window, and the
# calls wrk counted are the calls the log holds. The baseline is the bare actix-web handler
# under the same wrk threads, connections and script in the same run.
# Usage: bash benches/call_next.sh   (BENCH_SECONDS=10 BENCH_FILL_SECONDS=10;
#        BENCH_DB=sqlite|postgres, BENCH_INSTANCES=1|2 (postgres only); ports 18080-18081, 18090;
#        BENCH_PROFILE=1: `perf record` instance 1 during each mode and print where its time goes)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/support/tools.sh
need_package jq jq
seconds=${BENCH_SECONDS:-10}
fill_seconds=${BENCH_FILL_SECONDS:-10}
instances=${BENCH_INSTANCES:-1}
work=target/call-next
source benches/support/server.sh
[ "$instances" = 1 ] || [ "$bench_db" = postgres ] || { echo "several instances need BENCH_DB=postgres"; exit 2; }
start_bare

# The windows' staff: WINDOW_ID:TOKEN for windows 1-8, signed in at their windows (on instance 1).
staff_of_windows() {
  local ids
  ids=$(curl -sf localhost:18080/api/v1/halls/demo/windows | jq -r '.[] | select(.number <= 8) | "\(.number) \(.id)"')
  pairs=()
  while read -r number id; do
    token=$(curl -sf -H 'Content-Type: application/json' localhost:18080/api/v1/auth/login \
      -d "{\"username\":\"window$number\",\"password\":\"demo-pass-123\"}" | jq -r .token)
    curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" "localhost:18080/api/v1/windows/$id/sign-in"
    pairs+=("$id:$token")
  done <<<"$ids"
}

# check_log: every ticket called once, by one window; prints the counts.
check_log() {
  local sql="select count(*), count(distinct ticket_id) from (select json_extract(payload, '\$.ticket.number') as ticket_id from events where kind = 'ticket_called')"
  if [ "$bench_db" = postgres ]; then
    sql="select count(*), count(distinct payload::json->'ticket'->>'number') from events where kind = 'ticket_called'"
    psql -At -F' ' -h 127.0.0.1 -U postgres "$pg_name" -c "$sql"
  else
    sqlite3 -separator ' ' "$work/hallq.db" "$sql"
  fi
}

# profile PID MODE: perf samples of the server for most of the run; the busiest frames and threads.
profile() {
  need_package perf linux-perf
  need_cargo_tool inferno-collapse-perf inferno
  sleep 1
  # BENCH_PROFILE=dwarf unwinds whole stacks (the release build has no frame pointers).
  local graph=(-g); [ "$BENCH_PROFILE" = dwarf ] && graph=(--call-graph dwarf,16384 -F 199)
  perf record -q -F 499 "${graph[@]}" -p "$1" -o "$work/perf-$2.data" -- sleep $((seconds - 2)) 2>/dev/null
  perf script -i "$work/perf-$2.data" 2>/dev/null | inferno-collapse-perf >"$work/folded-$2.txt"
  echo "profile of $2 (% of samples): busiest leaf frames, then threads" >"$work/profile-$2.txt"
  awk '{ n = $NF; $NF = ""; k = split($0, f, ";"); leaf[f[k]] += n; s += n }
       END { for (l in leaf) printf "%6.2f %s\n", 100 * leaf[l] / s, l }' "$work/folded-$2.txt" | sort -rn | sed -n 1,25p >>"$work/profile-$2.txt"
  awk '{ n = $NF; split($0, f, ";"); sub(/-[0-9]+(\/[0-9]+)?$/, "", f[1]); t[f[1]] += n; s += n }
       END { for (x in t) printf "%6.2f %s\n", 100 * t[x] / s, x }' "$work/folded-$2.txt" | sort -rn | sed -n 1,8p >>"$work/profile-$2.txt"
}

echo
echo "8 windows racing, wrk -t8 -c8 -d${seconds}s (one connection per window), $bench_db, $instances instance(s), $(date -u +%F), $(nproc) cores"
echo
echo "| target | mode | requests/s | calls/s | p50 | p99 | answers | wrk notes |"
echo "|---|---|---|---|---|---|---|---|"
for mode in no-show serve; do
  fake=(); for i in 1 2 3 4 5 6 7 8; do fake+=("$i:bare"); done
  wrk -t8 -c8 -d"${seconds}s" --latency -s benches/call_next/windows.lua http://127.0.0.1:18090 -- "$mode" "${fake[@]}" >"$work/bare-$mode.txt"
  wrk_figures "$work/bare-$mode.txt"
  echo "| bare actix-web handler (baseline) | $mode | $rps | | $p50 | $p99 | | ${errors:-none} |"
  fresh_database
  for i in $(seq 1 "$instances"); do start_hallq $((18079 + i)); done
  fill=()
  for i in $(seq 1 "$instances"); do
    wrk -t2 -c$((64 / instances)) -d"${fill_seconds}s" -s benches/issuance/post.lua \
      "http://127.0.0.1:$((18079 + i))/api/v1/halls/demo/tickets" -- '{"service":"A"}' >"$work/fill-$i.txt" &
    fill+=($!)
  done
  wait "${fill[@]}"
  # Ten seconds of filling is thousands of times a real morning's pace; PostgreSQL's autovacuum
  # would have given the planner statistics for the table long before a real queue was this
  # long, so the bench does what it would have done.
  [ "$bench_db" = postgres ] && psql -q -h 127.0.0.1 -U postgres "$pg_name" -c "analyze tickets"
  queued=$(curl -sf localhost:18080/api/v1/halls/demo/services | jq '.[] | select(.code == "A") | .waiting')
  staff_of_windows
  # With two instances, windows 1-4 work on instance 1 and windows 5-8 on instance 2.
  per=$((8 / instances)); loads=()
  for i in $(seq 1 "$instances"); do
    wrk -t"$per" -c"$per" -d"${seconds}s" --latency -s benches/call_next/windows.lua "http://127.0.0.1:$((18079 + i))" \
      -- "$mode" "${pairs[@]:$(((i - 1) * per)):$per}" >"$work/hallq-$mode-$i.txt" &
    loads+=($!)
  done
  [ -n "${BENCH_PROFILE:-}" ] && profile "${hallq_pids[0]}" "$mode"
  wait "${loads[@]}"
  counted=0
  for i in $(seq 1 "$instances"); do
    wrk_figures "$work/hallq-$mode-$i.txt"
    calls=$(echo "$answers" | sed -n 's/.*calls=\([0-9]*\).*/\1/p')
    counted=$((counted + calls))
    echo "| hallq, instance $i of $instances | $mode | $rps | $(echo "scale=0; $calls / $seconds" | bc) | $p50 | $p99 | $answers | ${errors:-none} |"
  done
  read -r logged distinct < <(check_log)
  echo "|  | $mode: $queued waiting at the start; $counted calls answered, $logged ticket_called events for $distinct distinct tickets | | | | | | |"
  # wrk stops counting at the deadline: a call still in flight then is logged but not counted.
  [ "$logged" = "$distinct" ] && [ "$logged" -ge "$counted" ] && [ "$logged" -le $((counted + 8)) ] ||
    { echo "EXACTLY-ONCE BROKEN"; exit 1; }
  stop_hallq
done
