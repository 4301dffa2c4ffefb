# Sourced by the wrk benches (issuance.sh, booking_rush.sh, call_next.sh): builds the release
# server and the bare actix-web handler, and starts hallq instances on a fresh database.
#   BENCH_DB=sqlite (default) or postgres (the local server at 127.0.0.1:5432, user postgres:
#   a database of its own for each run, dropped at the end).
#   BENCH_HALLQ_BIN: the server binary to measure (default target/release/hallq, built here),
#   e.g. a build of an earlier commit, to compare two builds on one machine.
# The caller sets $work (a directory under target/) before sourcing.
source benches/support/tools.sh
need_package wrk wrk
bench_db=${BENCH_DB:-sqlite}
hallq_bin=${BENCH_HALLQ_BIN:-target/release/hallq}
cargo build --release -q
cargo build --release -q --example bare_handler
rm -rf "$work"; mkdir -p "$work"
pg_name="hallq_bench_$$"
hallq_pids=()
bare=

stop_hallq() {
  for pid in "${hallq_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${hallq_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  hallq_pids=()
}

cleanup() {
  stop_hallq
  [ -n "$bare" ] && kill "$bare" 2>/dev/null
  if [ "$bench_db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -c "drop database if exists $pg_name with (force)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

database_url() {
  if [ "$bench_db" = postgres ]; then
    echo "postgres://postgres@127.0.0.1:5432/$pg_name"
  else
    echo "sqlite://$work/hallq.db"
  fi
}

# A fresh, empty database: every round starts from the seeded demo hall.
fresh_database() {
  if [ "$bench_db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -c "drop database if exists $pg_name with (force)" >/dev/null 2>&1
    psql -q -h 127.0.0.1 -U postgres -c "create database $pg_name" >/dev/null
  else
    rm -f "$work"/hallq.db*
  fi
}

# start_hallq PORT: one more instance on the current database (the first one seeds it).
start_hallq() {
  # Something already answering there (a server left from an earlier run) would be measured
  # instead: its answer to /healthz comes before the new server fails to bind.
  ! curl -s -o /dev/null "localhost:$1/healthz" || { echo "port $1 is taken: stop what listens there"; exit 1; }
  HALLQ_BIND="127.0.0.1:$1" HALLQ_DATABASE_URL="$(database_url)" HALLQ_DEMO_PASSWORD=demo-pass-123 \
    HALLQ_ADMIN_PASSWORD=admin-pass-123 HALLQ_PUBLIC_RATE_LIMIT=0 HALLQ_LOG=warn "$hallq_bin" \
    >>"$work/server-$1.log" 2>&1 &
  hallq_pids+=($!)
  for _ in $(seq 1 150); do curl -sf "localhost:$1/healthz" >/dev/null && break; sleep 0.2; done
  # An answer from something else already on the port would measure the wrong server.
  kill -0 "${hallq_pids[-1]}" 2>/dev/null && curl -sf "localhost:$1/healthz" >/dev/null ||
    { echo "hallq did not start on port $1"; cat "$work/server-$1.log"; exit 1; }
}

start_bare() {
  ! curl -s -o /dev/null localhost:18090/ || { echo "port 18090 is taken: stop what listens there"; exit 1; }
  target/release/examples/bare_handler 127.0.0.1:18090 & bare=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null localhost:18090/ && break; sleep 0.1; done
  kill -0 "$bare" 2>/dev/null || { echo "the bare handler did not start: is port 18090 taken?"; exit 1; }
}

# wrk_figures FILE: sets rps, p50, p99, answers and errors from a `wrk --latency` report.
wrk_figures() {
  rps=$(awk '/Requests\/sec/ {print $2}' "$1")
  p50=$(awk '$1 == "50%" {print $2}' "$1")
  p99=$(awk '$1 == "99%" {print $2}' "$1")
  answers=$(grep '^answers:' "$1" | cut -d' ' -f2- || true)
  errors=$(grep -E 'Socket errors|Non-2xx' "$1" | tr '\n' ' ' || true)
}
