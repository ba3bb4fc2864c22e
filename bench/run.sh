#!/usr/bin/env bash
# Benchmark of newsdesk's read paths on this machine.
#
#   bash bench/run.sh [ARTICLES]      (default 100000)
#
# Builds the release binary, seeds ARTICLES demo articles once (bench/data/, reused
# while the count matches), starts the server pinned to CPU 0 with one worker, and
# drives each query shape from CPU 1 with wrk (installed with apt when missing):
# 16 connections, 10 s each. Prints a Markdown table: req/s, p50, p99, errors.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${1:-100000}
PORT=${BENCH_PORT:-18181}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
DATA=bench/data
DB="$DATA/bench-$ARTICLES.db"
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux; }
cargo build --release --quiet
BIN=target/release/newsdesk
mkdir -p "$DATA"
if [ ! -f "$DB" ]; then
  echo "seeding $ARTICLES articles into $DB ..." >&2
  DATABASE_URL="$DB" "$BIN" seed-demo --articles "$ARTICLES" >&2
fi

DATABASE_URL="$DB" NEWSDESK_BIND="127.0.0.1:$PORT" NEWSDESK_PUBLIC_URL="$BASE" \
  NEWSDESK_WORKERS=1 RUST_LOG=warn taskset -c 0 "$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

json() { python3 -c "import sys, json; d = json.load(sys.stdin); print($1)"; }
# A cursor 50,000 articles deep (or half way for smaller sets), found once by page.
HALF=$(( ARTICLES / 2 / 100 ))
DEEP=$(curl -fsS "$BASE/v1/articles?limit=100&page=$HALF&fields=id" | json 'd["meta"]["next_cursor"]')
TAG=standwithukraine
TAG_HALF=$(curl -fsS "$BASE/v1/articles?tag=$TAG&limit=1&fields=id" | json 'd["meta"]["total"] // 2 // 20')
TAG_DEEP=$(curl -fsS "$BASE/v1/articles?tag=$TAG&limit=20&page=$TAG_HALF&fields=id" | json 'd["meta"]["next_cursor"]')
UK_Q=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("Україна"))')

shapes=(
  "first page (newest 20)|/v1/articles?limit=20"
  "deep cursor page ($(( HALF * 100 )) in)|/v1/articles?limit=20&cursor=$DEEP"
  "tag filter, first page|/v1/articles?tag=$TAG&limit=20"
  "tag filter, deep cursor|/v1/articles?tag=$TAG&limit=20&cursor=$TAG_DEEP"
  "search, common word (community), relevance|/v1/articles?q=community&limit=20"
  "search, common word, newest first|/v1/articles?q=community&sort=-published_at&limit=20"
  "search, Ukrainian inflected (Україна)|/v1/articles?q=$UK_Q&limit=20"
  "search, rare word (one match)|/v1/articles?q=77777&limit=20"
  "count only (limit=1, total)|/v1/articles?limit=1&fields=id"
  "article by slug|/v1/articles/__SLUG__"
)
SLUG=$(curl -fsS "$BASE/v1/articles?limit=1&fields=slug" | json 'd["data"][0]["slug"]')

echo
echo "| query shape | req/s | p50 | p99 | errors |"
echo "|---|---:|---:|---:|---:|"
for s in "${shapes[@]}"; do
  name=${s%%|*}
  path=${s#*|}
  path=${path/__SLUG__/$SLUG}
  out=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE$path" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {e = e $0 " "} END {print (e == "" ? 0 : e)}' <<<"$out")
  echo "| $name | $rps | $p50 | $p99 | $errors |"
done
