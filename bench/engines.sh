#!/usr/bin/env bash
# Issue 12's two ratios without the whole run: W8 (cold article reads) and creates, on
# SQLite and on PostgreSQL, alternating, twice, with one binary. PostgreSQL is started as
# bench/run.sh starts it (PG_BENCH=1: synchronous_commit off, pinned to CPU 0 beside
# newsdesk) and the seeded set is moved in with `newsdesk copy`.
#
#   bash bench/engines.sh            (needs bench/data/bench-100000.db: bench/run.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/server.sh
DATA=bench/data
BIN=${BIN:-target/release/newsdesk}
SEEDED=$DATA/bench-100000.db
PORT=18193
BASE="http://127.0.0.1:$PORT"
DURATION=${BENCH_DURATION:-8s}
[ -f "$SEEDED" ] || { echo "no $SEEDED: run bench/run.sh once" >&2; exit 1; }
cargo build --release --quiet --bin newsdesk
rps() { awk '/Requests\/sec/ {print $2}'; }

# 60,000 distinct public slugs, newest first (as W8 reads them).
python3 - "$SEEDED" >"$DATA/slugs-cold.txt" <<'PY'
import sqlite3, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
db = sqlite3.connect(sys.argv[1])
for (slug,) in db.execute(
    "SELECT slug FROM articles WHERE status = 'published' AND deleted_at IS NULL "
    "AND sort_at <= ? ORDER BY sort_at DESC LIMIT 60000", (now,)):
    print(slug)
PY

PG_DIR="$(pwd)/$DATA/pg-engines"
PG_URL=$(PG_BENCH=1 taskset -c 0 bash .ci/postgres.sh start "$PG_DIR")
trap 'bash .ci/postgres.sh stop "$PG_DIR" >/dev/null 2>&1; rm -rf "$PG_DIR"; rm -f $DATA/engines.db*' EXIT
PG_DB="${PG_URL%/postgres}/engines"
psql -q "$PG_URL" -c "CREATE DATABASE engines"
START=$(date +%s)
DATABASE_URL="$SEEDED" RUST_LOG=warn "$BIN" copy "$PG_DB" 2>/dev/null
echo "copy into PostgreSQL: $(($(date +%s) - START)) s"
psql -q "$PG_DB" -c "VACUUM ANALYZE"

for round in 1 2; do
  for engine in sqlite postgres; do
    if [ $engine = sqlite ]; then
      rm -f $DATA/engines.db*
      cp "$SEEDED" $DATA/engines.db
      DB=$DATA/engines.db
    else
      DB=$PG_DB
    fi
    sync
    start_server "$DB" "$BIN" "engines-$$-$engine-$round"
    S=$SERVER
    w8=$(BENCH_SLUGS=$DATA/slugs-cold.txt taskset -c 1 wrk -t1 -c64 -d"$DURATION" -s bench/slugs.lua $BASE 2>&1 | rps)
    BENCH_KEY=$KEY taskset -c 1 wrk -t1 -c64 -d3s -s bench/create.lua $BASE >/dev/null 2>&1
    cr=$(BENCH_KEY=$KEY taskset -c 1 wrk -t1 -c64 -d"$DURATION" -s bench/create.lua $BASE 2>&1 | rps)
    kill $S
    wait $S 2>/dev/null
    echo "round $round $engine: W8 (misses) $w8 req/s  creates $cr/s"
  done
done
