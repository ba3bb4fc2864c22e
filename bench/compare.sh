#!/usr/bin/env bash
# Two builds of newsdesk back to back on the same data, alternating, twice: W1 (kept
# responses), W8 (misses) and creates. For a change that could move speed by less than
# this VM's drift between runs.
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release)
#   OLD=/tmp/before/target/release/newsdesk bash bench/compare.sh
#
# COMPARE=news measures, for a change to the response cache, R1 three times after a 3 s
# warm-up (with the cache's hit/stale/miss counters around each), then R2, R3 and W8, each
# with its p99, the responses kept and the server's peak RSS.
#
# Needs a seeded bench/data/bench-100000.db and bench/data/slugs*.txt (bench/run.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/server.sh
DATA=bench/data
OLD=${OLD:?the other binary}
NEW=${NEW:-target/release/newsdesk}
PORT=18191
BASE="http://127.0.0.1:$PORT"
rps() { awk '/Requests\/sec/ {print $2}'; }
rps_p99() { awk '/Requests\/sec/ {r = $2} $1 == "99%" {p = $2} END {print r " (p99 " p ")"}'; }
# The cache's lookups so far: hit, stale, miss.
lookups() { curl -fsS "$BASE/metrics" | awk '/^newsdesk_cache_lookups_total/ {printf "%s ", $NF}'; }
for round in 1 2; do
  for which in old new; do
    if [ $which = old ]; then BIN=$OLD; else BIN=$NEW; fi
    rm -f $DATA/cmp.db*
    cp $DATA/bench-100000.db $DATA/cmp.db
    sync
    start_server $DATA/cmp.db "$BIN" "cmp-$$-$which-$round"
    S=$SERVER
    taskset -c 1 wrk -t1 -c64 -d3s -s bench/slugs.lua $BASE >/dev/null 2>&1
    if [ "${COMPARE:-}" = news ]; then
      # R1 three times in a row (a cache fills over minutes), then R2, R3 and W8.
      export BENCH_REQUESTS=$DATA/r1-100000.txt
      taskset -c 1 wrk -t1 -c64 -d3s -s bench/news.lua $BASE >/dev/null 2>&1
      line="round $round $which:"
      for i in 1 2 3; do
        before=$(lookups)
        r1=$(taskset -c 1 wrk -t1 -c64 -d10s --latency -s bench/news.lua $BASE 2>&1 | rps_p99)
        line="$line R1#$i $r1 [lookups $before-> $(lookups)]"
      done
      r2=$(BENCH_REQUESTS=$DATA/r2-100000.txt BENCH_KEY=$KEY taskset -c 1 wrk -t1 -c64 -d10s --latency -s bench/news.lua $BASE 2>&1 | rps_p99)
      r3=$(BENCH_REQUESTS=$DATA/r3-100000.txt taskset -c 1 wrk -t1 -c64 -d10s --latency -s bench/news.lua $BASE 2>&1 | rps_p99)
      w8=$(BENCH_SLUGS=$DATA/slugs-cold.txt taskset -c 1 wrk -t1 -c64 -d10s --latency -s bench/slugs.lua $BASE 2>&1 | rps_p99)
      kept=$(curl -fsS "$BASE/metrics" | awk '/^newsdesk_cache_entries / {print $2}')
      rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$S/status)
      kill $S
      wait $S 2>/dev/null
      echo "$line R2 $r2 R3 $r3 W8 $w8 kept $kept peak RSS ${rss} MB"
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
