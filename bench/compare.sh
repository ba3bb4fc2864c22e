#!/usr/bin/env bash
# Two builds of newsdesk back to back on the same data, alternating, twice: W1 (kept
# responses), W8 (misses) and creates. For a change that could move speed by less than
# this VM's drift between runs.
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release)
#   OLD=/tmp/before/target/release/newsdesk bash bench/compare.sh
#
# COMPARE=news measures W1, R1 (after a 3 s warm-up) and R2 instead, each with its p99,
# and the cache's hits and misses over R1 (for a change to the response cache).
#
# Needs a seeded bench/data/bench-100000.db and bench/data/slugs*.txt (bench/run.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
DATA=bench/data
OLD=${OLD:?the other binary}
NEW=${NEW:-target/release/newsdesk}
PORT=18191
BASE="http://127.0.0.1:$PORT"
rps() { awk '/Requests\/sec/ {print $2}'; }
rps_p99() { awk '/Requests\/sec/ {r = $2} $1 == "99%" {p = $2} END {print r " (p99 " p ")"}'; }
lookups() { curl -fsS "$BASE/metrics" | awk -F'[{}" ]' '/^newsdesk_cache_lookups_total/ {printf "%s %s ", $4, $NF}'; }
for round in 1 2; do
  for which in old new; do
    if [ $which = old ]; then BIN=$OLD; else BIN=$NEW; fi
    rm -f $DATA/cmp.db*
    cp $DATA/bench-100000.db $DATA/cmp.db
    sync
    KEY=$(DATABASE_URL=$DATA/cmp.db $BIN keys create --name "cmp-$$-$which-$round" --scope write 2>/dev/null)
    DATABASE_URL=$DATA/cmp.db NEWSDESK_BIND=127.0.0.1:$PORT NEWSDESK_PUBLIC_URL=$BASE \
      NEWSDESK_WORKERS=1 NEWSDESK_ANON_RATE=off NEWSDESK_KEY_RATE=off RUST_LOG=warn \
      taskset -c 0 $BIN serve >/dev/null 2>&1 &
    S=$!
    for _ in $(seq 1 300); do curl -fsS $BASE/readyz >/dev/null 2>&1 && break; sleep 0.1; done
    taskset -c 1 wrk -t1 -c64 -d3s -s bench/slugs.lua $BASE >/dev/null 2>&1
    if [ "${COMPARE:-}" = news ]; then
      w1=$(taskset -c 1 wrk -t1 -c64 -d8s --latency -s bench/slugs.lua $BASE 2>&1 | rps_p99)
      export BENCH_REQUESTS=$DATA/r1-100000.txt
      taskset -c 1 wrk -t1 -c64 -d3s -s bench/news.lua $BASE >/dev/null 2>&1
      before=$(lookups)
      r1=$(taskset -c 1 wrk -t1 -c64 -d10s --latency -s bench/news.lua $BASE 2>&1 | rps_p99)
      after=$(lookups)
      r2=$(BENCH_REQUESTS=$DATA/r2-100000.txt BENCH_KEY=$KEY taskset -c 1 wrk -t1 -c64 -d10s --latency -s bench/news.lua $BASE 2>&1 | rps_p99)
      kill $S
      wait $S 2>/dev/null
      echo "round $round $which: W1 $w1  R1 $r1  R2 $r2  lookups before R1: $before after: $after"
      continue
    fi
    w1=$(taskset -c 1 wrk -t1 -c64 -d8s -s bench/slugs.lua $BASE 2>&1 | rps)
    w8=$(BENCH_SLUGS=$DATA/slugs-cold.txt taskset -c 1 wrk -t1 -c64 -d8s -s bench/slugs.lua $BASE 2>&1 | rps)
    cr=$(BENCH_KEY=$KEY taskset -c 1 wrk -t1 -c64 -d8s -s bench/create.lua $BASE 2>&1 | rps)
    kill $S
    wait $S 2>/dev/null
    echo "round $round $which: W1 $w1  W8 (misses) $w8  creates $cr"
  done
done
rm -f $DATA/cmp.db*
