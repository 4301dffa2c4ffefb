#!/usr/bin/env bash
# Reports on a year of a busy hall (issue 16): generate-history fills 365 business days at
# 1,400 tickets a day (~520,000 tickets) on SQLite, then each report is asked 3 times over HTTP
# against the release server. Baseline in the same run: the bare SQL that reads the same rows
# (sqlite3's own timer), i.e. the floor of any report computed from the tickets.
# Usage: bash benches/reports.sh   (needs curl, jq, sqlite3; port 18085; ~3 minutes to generate)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/support/tools.sh
for tool in curl jq sqlite3; do need_package $tool $tool; done
cargo build --release -q
work=target/report-bench; mkdir -p "$work"
export HALLQ_DATABASE_URL="sqlite://$work/hallq.db" HALLQ_LOG=warn HALLQ_DEMO_PASSWORD=demo-pass-123 HALLQ_ADMIN_PASSWORD=admin-pass-123
if [ ! -f "$work/hallq.db" ]; then
  echo "generating: $(target/release/hallq generate-history --hall demo --days 365 --per-day 1400 --seed 1)"
fi
HALLQ_BIND=127.0.0.1:18085 target/release/hallq >"$work/server.log" 2>&1 & server=$!
trap 'kill $server' EXIT
for _ in $(seq 1 100); do curl -sf localhost:18085/healthz >/dev/null && break; sleep 0.2; done
token=$(curl -s -X POST localhost:18085/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"username":"manager1","password":"demo-pass-123"}' | jq -r .token)
last=$(sqlite3 "$work/hallq.db" "SELECT MAX(business_date) FROM tickets")
month_from=$(date -d "$last -30 days" +%F); year_from=$(date -d "$last -364 days" +%F)
bare() { # from to
  printf '.timer on\nSELECT COUNT(*), SUM(s) FROM (SELECT CAST(strftime(%s, t.issued_at) AS INTEGER) + IFNULL(r.score, 0) AS s, CAST(strftime(%s, t.called_at) AS INTEGER), CAST(strftime(%s, t.started_at) AS INTEGER), CAST(strftime(%s, t.finished_at) AS INTEGER) FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id WHERE t.hall_id = 1 AND t.business_date BETWEEN %s AND %s);\n' \
    "'%s'" "'%s'" "'%s'" "'%s'" "'$1'" "'$2'" | sqlite3 "$work/hallq.db" | awk '/Run Time/ {print $4}'
}
echo "| report | tickets | bare SQL s (baseline) | hallq s (3 runs) |"
echo "|---|---|---|---|"
for spec in "month by service|$month_from|$last|service" "month by hour|$month_from|$last|hour" \
            "year by month|$year_from|$last|month" "year by service|$year_from|$last|service"; do
  IFS='|' read -r name from to by <<<"$spec"
  times=""
  for _ in 1 2 3; do
    times="$times $(curl -s -o "$work/r.json" -w '%{time_total}' -H "authorization: Bearer $token" \
      "localhost:18085/api/v1/halls/demo/reports?from=$from&to=$to&by=$by")"
  done
  echo "| $name ($from – $to) | $(jq .total.issued "$work/r.json") | $(bare "$from" "$to") |$times |"
done
