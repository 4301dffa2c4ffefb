#!/usr/bin/env bash
# Booking rush (issue 14): new people booking as fast as wrk can send them, against the bare
# actix-web handler measured with the same wrk settings, script and bodies in the same run.
#   spread: every request a new mobile number, walking all open slots of A, B and E over the
#           booking window (a week's slots released at once): places fill, then 409 slot_full.
#   hot:    everyone for one slot (4 places): one 201 per place, the rest 409 slot_full.
#   scarce: exactly BENCH_ATTEMPTS (10,000) new people on the first slots holding BENCH_PLACES
#           (500) places between them, no warm-up: exactly that many 201s, the rest 409.
# Release build on SQLite, public limits off (HALLQ_PUBLIC_RATE_LIMIT=0); wrk from the
# distribution on the same machine (apt-get install -y wrk).
# Usage: bash benches/booking_rush.sh   (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ATTEMPTS=10000
#        BENCH_PLACES=500 BENCH_MODES="spread hot scarce"; ports 18080, 18090)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/support/tools.sh
need_package jq jq
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
attempts=${BENCH_ATTEMPTS:-10000}
places=${BENCH_PLACES:-500}
work=target/booking-rush
source benches/support/server.sh
start_bare
fresh_database; start_hallq 18080

# Every open slot of the bookable services over the next two weeks.
slots="$work/slots.txt"; : >"$slots"
for service in A B E; do
  for d in $(seq 0 14); do
    day=$(date -d "+$d day" +%F)
    curl -sf "localhost:18080/api/v1/halls/demo/services/$service/slots?date=$day" |
      jq -r --arg s "$service" --arg d "$day" '.[] | select(.open and .available > 0) | "\($s) \($d) \(.start) \(.available)"' >>"$slots"
  done
done
echo "open slots: $(wc -l <"$slots")"

run() { # name url mode
  local out="$work/${2//[^a-z0-9]/_}-$3.txt"
  if [ "$3" = scarce ]; then
    # No warm-up (it would take places). -d is only an upper bound: each thread stops once its
    # share is answered and leaves a file; wrk is then interrupted (SIGINT), which ends the run
    # with its report, counted to that moment (at most one 20 ms poll late).
    rm -f "$work"/scarce-done-*
    wrk -t2 -c"$connections" -d300s --timeout 300s --latency -s benches/booking_rush/book.lua "$2" \
      -- "$slots" "$3" "$attempts" "$places" 2 "$work/scarce-done" >"$out" &
    local load=$!
    until [ -e "$work/scarce-done-0" ] && [ -e "$work/scarce-done-1" ]; do sleep 0.02; done
    kill -INT "$load"; wait "$load"
  else
    wrk -t2 -c"$connections" -d1s -s benches/booking_rush/book.lua "$2" -- "$slots" "$3" >/dev/null # warm-up
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -s benches/booking_rush/book.lua "$2" -- "$slots" "$3" >"$out"
  fi
  wrk_figures "$out"
  echo "| $1 | $3 | $rps | $p50 | $p99 | $answers | ${errors:-none} |"
}

echo
echo "| target | mode | requests/s | p50 | p99 | answers | wrk notes |"
echo "|---|---|---|---|---|---|---|"
for mode in ${BENCH_MODES:-spread hot scarce}; do
  # The scarce rush is about counts and latency; its throughput baseline is the spread row's.
  [ "$mode" = scarce ] || run "bare actix-web handler (baseline)" http://127.0.0.1:18090/api/v1/halls/demo/appointments "$mode"
  stop_hallq; fresh_database; start_hallq 18080 # a fresh hall: every place free again
  run "hallq POST /api/v1/halls/demo/appointments" http://127.0.0.1:18080/api/v1/halls/demo/appointments "$mode"
  # Never overbooked: the counters of the slots hit never exceed their capacity.
  over=0; total=0
  while read -r s d; do
    read -r b o < <(curl -sf "localhost:18080/api/v1/halls/demo/services/$s/slots?date=$d" |
      jq -r '[([.[].booked] | add), ([.[] | select(.booked > .capacity)] | length)] | @tsv')
    total=$((total + b)); over=$((over + o))
  done < <(awk '!seen[$1" "$2]++ {print $1, $2}' "$slots")
  echo "|  | $mode: places taken $total, slots over capacity $over | | | | | |"
  [ "$over" = 0 ] || { echo "OVERBOOKED"; exit 1; }
  if [ "$mode" = scarce ]; then
    # The places on offer (the slots book.lua chose) must all be taken, by exactly that many 201s.
    offered=$(awk -v want="$places" 'sum < want { sum += $4 } END { print sum }' "$slots")
    created=$(echo "$answers" | sed -n 's/.*201=\([0-9]*\).*/\1/p')
    sent=$(echo "$answers" | sed -n 's/.*201=\([0-9]*\) 409=\([0-9]*\) other=\([0-9]*\).*/\1 + \2 + \3/p' | bc)
    echo "|  | scarce: $sent attempts answered for $offered places: $created confirmed | | | | | |"
    [ "$created" = "$offered" ] && [ "$total" = "$offered" ] && [ "$sent" = "$attempts" ] ||
      { echo "SCARCE RUSH WRONG: $created confirmed, $total taken, $offered offered, $sent answered"; exit 1; }
  fi
done
