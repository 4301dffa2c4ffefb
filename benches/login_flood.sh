#!/usr/bin/env bash
# Login flood drill (issue 10): the public services listing alone (baseline), then while 8
# connections sign in non-stop (every request hashes a password), then while 8 connections send
# wrong passwords for unknown accounts; the server's memory before and after 100 concurrent
# sign-ins. Load comes from wrk (apt-get install wrk), on this machine, against the release build.
# Usage: bash benches/login_flood.sh   (port 18080, a throwaway database under target/)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/support/tools.sh
need_package wrk wrk
cargo build --release -q
work=target/login-flood; rm -rf "$work"; mkdir -p "$work"
HALLQ_BIND=127.0.0.1:18080 HALLQ_DATABASE_URL="sqlite://$work/hallq.db" HALLQ_DEMO_PASSWORD=demo-pass-123 \
  HALLQ_ADMIN_PASSWORD=admin-pass-123 HALLQ_LOG=warn target/release/hallq >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 1 100); do curl -sf localhost:18080/healthz >/dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$server/status"; }
listing() { wrk -t1 -c1 -d10s --latency http://127.0.0.1:18080/api/v1/halls/demo/services | grep -E " 50%| 99%|Requests/sec"; }
login=http://127.0.0.1:18080/api/v1/auth/login
echo "memory at start: $(rss)"
echo "== services listing alone (baseline)"; listing
echo "== services listing while 8 connections sign in with the right password"
wrk -t2 -c8 -d14s -s benches/login_flood/right.lua "$login" >"$work/right.txt" & flood=$!
sleep 2; listing; wait $flood
echo "   sign-ins: $(grep Requests/sec "$work/right.txt")"
echo "memory: $(rss)"
echo "== 100 concurrent sign-ins for 10 s"
wrk -t2 -c100 -d10s -s benches/login_flood/right.lua "$login" | grep -E "Requests/sec|Non-2xx" || true
echo "memory: $(rss)"
echo "== services listing while 8 connections send wrong passwords for unknown accounts"
wrk -t2 -c8 -d14s -s benches/login_flood/wrong.lua "$login" >"$work/wrong.txt" & flood=$!
sleep 2; listing; wait $flood
echo "memory at the end: $(rss)"
