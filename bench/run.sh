#!/usr/bin/env bash
# newsdesk's benchmark: W1–W7 against the ceiling, on this machine, in one run.
#
#   bash bench/run.sh [ARTICLES] [sqlite|postgres|both]      (default 100000 sqlite)
#
# postgres: a PostgreSQL 15 server of its own (.ci/postgres.sh: durable, fsync on,
# synchronous_commit off like SQLite's synchronous=NORMAL in WAL mode, 1 GB of shared
# buffers), pinned to CPU 0 beside newsdesk; the seeded SQLite set is moved into it with
# `newsdesk copy` (timed) before the run. both: the whole run on SQLite, then on
# PostgreSQL, one table each.
#
# Builds the release binary and examples/ceiling.rs, seeds ARTICLES demo articles once
# (bench/data/, reused while the count matches; each run works on a copy), then, with the
# server pinned to CPU 0 (one worker) and wrk on CPU 1 (64 connections, 10 s each):
#   ceiling  examples/ceiling.rs: one pre-serialized article (3.6 KB of JSON) from memory
#   W1 article by slug, rotating over 1,000 slugs      W2 newest 20
#   W3 tag filter at a deep cursor page                 W4 search top 20, common word
#   W5 a filtered list with its total                   W6 RSS feed (50 items)
#   W7 90% reads / 10% creates                          writes: creates only
#   W8 article by slug over 60,000 distinct slugs: each read about once (cache misses)
#   R1 a news site's mix, reads only    R2 R1 with a view beacon per article read and
#   R3 every article once, random order    an edit per 500 requests
# (R1–R3's proportions and distributions: bench/requests.py) and times `newsdesk import` of the whole set into an empty database.
# Each workload is measured after an unmeasured warm-up (BENCH_WARMUP, 3 s).
# BENCH_WRITES=0 measures the reads only (W1–W6) on the seeded database itself, without
# the copy, W7, the creates and the import: for 1,000,000 articles (15 GB).
# Prints one Markdown table: req/s, ratio to the ceiling, p50, p99, errors, peak RSS.
# wrk and taskset are installed with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/server.sh

ARTICLES=${1:-100000}
ENGINES=${2:-sqlite}
[ "$ENGINES" = both ] && ENGINES="sqlite postgres"
PORT=${BENCH_PORT:-18181}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRITES=${BENCH_WRITES:-1}
DATA=bench/data
SEEDED="$DATA/bench-$ARTICLES.db"
DB="$DATA/run.db"
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux; }
cargo build --release --quiet --bin newsdesk --example ceiling
BIN=target/release/newsdesk
mkdir -p "$DATA"
if [ ! -f "$SEEDED" ]; then
  echo "seeding $ARTICLES articles into $SEEDED ..." >&2
  DATABASE_URL="$SEEDED" "$BIN" seed-demo --articles "$ARTICLES" >&2
fi
# R1–R3's request lists, made once per seeded set.
if [ ! -f "$DATA/r3-$ARTICLES.txt" ]; then
  python3 bench/requests.py "$SEEDED" "$DATA"
  mv "$DATA/r3.txt" "$DATA/r3-$ARTICLES.txt"
  mv "$DATA/r1.txt" "$DATA/r1-$ARTICLES.txt"
  mv "$DATA/r2.txt" "$DATA/r2-$ARTICLES.txt"
fi
bench_engine() {
ENGINE=$1
DB="$DATA/run.db"
IMPORT_URL="$DATA/import.db"
if [ "$ENGINE" = postgres ]; then
  PG_DIR="$(pwd)/$DATA/pg"
  PG_URL=$(PG_BENCH=1 taskset -c 0 bash .ci/postgres.sh start "$PG_DIR")
  trap 'bash .ci/postgres.sh stop "$PG_DIR"' EXIT
  PG_BASE=${PG_URL%/postgres}
  psql -q "$PG_URL" -c "CREATE DATABASE bench_run"
  psql -q "$PG_URL" -c "CREATE DATABASE bench_import"
  DB="$PG_BASE/bench_run"
  IMPORT_URL="$PG_BASE/bench_import"
  START=$(date +%s.%N)
  DATABASE_URL="$SEEDED" RUST_LOG=warn "$BIN" copy "$DB" 2>/dev/null
  END=$(date +%s.%N)
  COPIED=$(awk -v s="$START" -v e="$END" 'BEGIN {printf "%.0f", e - s}')
  psql -q "$DB" -c "VACUUM ANALYZE"
else
  rm -f "$DB" "$DB-wal" "$DB-shm"
  if [ "$WRITES" = 1 ]; then
    cp "$SEEDED" "$DB"
  else
    DB="$SEEDED"
  fi
fi
# Written back before measuring, so the copy's writeback does not land in a workload.
sync

# wrk's output → "req/s|p50|p99|errors"
measure() {
  local out
  out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" 2>&1)
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  echo "$rps|$p50|$p99|$errors"
}

peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
reset_peak() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }

# The ceiling, on CPU 0 beside the server (idle while the other is measured). This
# machine's speed drifts by tens of percent over minutes (a shared VM: the ceiling alone
# ranged 54k–90k req/s between runs), so the ceiling is measured again right before each
# workload, for CEILING_DURATION, and each ratio is to that paired measurement.
CEILING_PORT=$((PORT + 1))
CEILING_URL="http://127.0.0.1:$CEILING_PORT/"
CEILING_DURATION=${BENCH_CEILING_DURATION:-5s}
taskset -c 0 target/release/examples/ceiling "127.0.0.1:$CEILING_PORT" 2>/dev/null &
CEILING_PID=$!
for _ in $(seq 1 100); do curl -fsS "$CEILING_URL" >/dev/null 2>&1 && break; sleep 0.1; done
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" "$CEILING_URL" >/dev/null 2>&1 || true
CEILING=$(measure "$CEILING_URL")
ceiling_now() {
  local out
  out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$CEILING_DURATION" "$CEILING_URL" 2>&1)
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

trap 'kill ${SERVER:-} $CEILING_PID 2>/dev/null || true; [ -n "${PG_DIR:-}" ] && bash .ci/postgres.sh stop "$PG_DIR"' EXIT
start_server "$DB" "$BIN" "bench-$$" "$DATA/server.log"

json() { python3 -c "import sys, json; d = json.load(sys.stdin); print($1)"; }
# 1,000 slugs for W1 and W7.
: >"$DATA/slugs.txt"
for page in $(seq 1 10); do
  curl -fsS "$BASE/v1/articles?limit=100&page=$page&fields=slug" |
    json '"\n".join(a["slug"] for a in d["data"])' >>"$DATA/slugs.txt"
done
TAG=standwithukraine
TAG_PAGES=$(curl -fsS "$BASE/v1/articles?tag=$TAG&limit=1&fields=id" | json 'd["meta"]["total"] // 20')
TAG_DEEP=$(curl -fsS "$BASE/v1/articles?tag=$TAG&limit=20&page=$(( TAG_PAGES / 2 ))&fields=id" | json 'd["meta"]["next_cursor"]')
COMMON=community
# 60,000 distinct slugs for W8 (the newest first, by cursor).
python3 - "$BASE" >"$DATA/slugs-cold.txt" <<'PY'
import json, sys, urllib.parse, urllib.request
base, cursor, n = sys.argv[1], None, 0
while n < 60000:
    q = {"limit": "100", "fields": "slug"}
    if cursor:
        q["cursor"] = cursor
    d = json.load(urllib.request.urlopen(base + "/v1/articles?" + urllib.parse.urlencode(q)))
    for a in d["data"]:
        print(a["slug"])
    n += len(d["data"])
    cursor = d["meta"].get("next_cursor")
    if not cursor or not d["data"]:
        break
PY

# An editor: a recent article's subtitle changed twice a second, from CPU 1 beside wrk
# (each answer's status to edits.log). Run during the second W4 row.
editor() {
  : >"$DATA/edits.log"
  while :; do
    slug=$(shuf -n1 "$DATA/slugs.txt")
    taskset -c 1 curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $KEY" \
      -H 'Content-Type: application/merge-patch+json' \
      -d "{\"subtitle\": \"Updated at $(date +%s.%N)\"}" "$BASE/v1/articles/$slug" |
      grep '^200$' >>"$DATA/edits.log"
    sleep 0.5
  done
}

workloads=(
  "W1 article by slug (1,000 rotating)|60|-s bench/slugs.lua $BASE"
  "W2 newest 20|25|$BASE/v1/articles?limit=20"
  "W3 tag filter, deep cursor (page $(( TAG_PAGES / 2 )))|25|$BASE/v1/articles?tag=$TAG&limit=20&cursor=$TAG_DEEP"
  "W4 search top 20, common word ($COMMON)|10|$BASE/v1/articles?q=$COMMON&limit=20"
  "W4 again while an editor changes a recent article twice a second|10|$BASE/v1/articles?q=$COMMON&limit=20"
  "W5 filtered list with total (language=uk)|-|$BASE/v1/articles?language=uk&limit=20"
  "W6 RSS feed (50 items, full HTML)|25|$BASE/v1/feeds/rss"
  "W6 with Accept-Encoding: gzip|-|-s bench/gzip.lua $BASE/v1/feeds/rss"
  "W8 article by slug, 60,000 distinct (misses)|-|-s bench/slugs.lua $BASE"
  "R1 news-site mix, reads only|-|-s bench/news.lua $BASE"
  "R3 cold article reads, whole archive, random order|-|-s bench/news.lua $BASE"
)
[ "$WRITES" = 1 ] && workloads+=(
  "R2 R1 + a view beacon per article read + an edit per 500|-|-s bench/news.lua $BASE"
  "W7 90% reads / 10% creates|-|-s bench/mixed.lua $BASE"
  "writes: creates only (short body)|-|-s bench/create.lua $BASE"
  "writes: creates only (3 KB body, 3 tags)|-|-s bench/create-3k.lua $BASE"
)

echo
echo "## $ENGINE"
echo
echo "$ARTICLES articles; server on CPU 0 (1 worker), wrk on CPU 1, $CONNECTIONS connections, $DURATION each."
[ "$ENGINE" = postgres ] && echo "PostgreSQL 15 on CPU 0 beside the server; the set moved in by \`newsdesk copy\` in $COPIED s."
echo
echo "| workload | req/s | ceiling just before | % of ceiling | target | p50 | p99 | errors | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
IFS='|' read -r c_rps c_p50 c_p99 c_err <<<"$CEILING"
echo "| ceiling (3.6 KB from memory), $DURATION | $c_rps | | 100% | | $c_p50 | $c_p99 | $c_err | |"
for w in "${workloads[@]}"; do
  IFS='|' read -r name target args <<<"$w"
  # A short unmeasured run first: steady state, not the first misses.
  # shellcheck disable=SC2086
  slugs=bench/data/slugs.txt
  case $name in W8*) slugs=bench/data/slugs-cold.txt ;; esac
  requests=
  case $name in R1*) requests=$DATA/r1-$ARTICLES.txt ;; R2*) requests=$DATA/r2-$ARTICLES.txt ;; R3*) requests=$DATA/r3-$ARTICLES.txt ;; esac
  # W8 and R3 have no warm-up: it would read the articles they are about to measure.
  case $name in W8* | R3*) ;; *) BENCH_REQUESTS=$requests BENCH_SLUGS=$slugs BENCH_KEY=$KEY taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" $args >/dev/null 2>&1 || true ;; esac
  ceiling_rps=$(ceiling_now)
  reset_peak $SERVER
  EDITOR=
  case $name in *editor*) editor & EDITOR=$! ;; esac
  # shellcheck disable=SC2086
  IFS='|' read -r rps p50 p99 errors <<<"$(BENCH_REQUESTS=$requests BENCH_SLUGS=$slugs BENCH_KEY=$KEY measure $args)"
  if [ -n "$EDITOR" ]; then
    kill "$EDITOR" 2>/dev/null || true
    wait "$EDITOR" 2>/dev/null || true
    name="$name ($(wc -l <"$DATA/edits.log") edits answered 200)"
  fi
  ratio=$(awk -v a="$rps" -v b="$ceiling_rps" 'BEGIN {printf "%.1f%%", 100 * a / b}')
  [ "$target" = "-" ] && target="" || target="≥ $target%"
  echo "| $name | $rps | $ceiling_rps | $ratio | $target | $p50 | $p99 | $errors | $(peak_rss_mb $SERVER) MB |"
  case $name in W1*) W1_RPS=$rps ;; R1*) R1_RPS=$rps ;; R2*) R2_RPS=$rps ;; esac
done
echo
awk -v w="${W1_RPS:-0}" -v r1="${R1_RPS:-0}" -v r2="${R2_RPS:-0}" 'BEGIN {
  if (w > 0) printf "R1 = %.0f%% of W1 (target ≥ 50%%); R2 = %.0f%% of W1 (target ≥ 40%%)\n", 100 * r1 / w, 100 * r2 / w }'
kill $SERVER $CEILING_PID 2>/dev/null || true; wait $SERVER $CEILING_PID 2>/dev/null || true

if [ "$WRITES" = 1 ]; then

# Import: the seeded set, exported, into an empty database.
DATABASE_URL="$SEEDED" "$BIN" export >"$DATA/export.ndjson" 2>/dev/null
rm -f "$DATA/import.db" "$DATA/import.db-wal" "$DATA/import.db-shm"
START=$(date +%s.%N)
DATABASE_URL="$IMPORT_URL" RUST_LOG=warn "$BIN" import "$DATA/export.ndjson" 2>/dev/null
END=$(date +%s.%N)
echo
awk -v n="$ARTICLES" -v s="$START" -v e="$END" \
  'BEGIN {printf "import: %d articles in %.1f s = %.0f articles/s (target ≥ 10,000/s)\n", n, e - s, n / (e - s)}'
fi
[ -n "${PG_DIR:-}" ] && bash .ci/postgres.sh stop "$PG_DIR"
PG_DIR=
trap - EXIT
}

for engine in $ENGINES; do
  bench_engine "$engine"
done
