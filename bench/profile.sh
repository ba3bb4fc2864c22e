#!/usr/bin/env bash
# Where the server's time goes under a realistic mix: a release server on a copy of the
# seeded set (CPU 0, one worker), the mix replayed by wrk from CPU 1, warmed up for WARM
# seconds (default 30), then `perf record` of the server for 10 s of a 15 s run, and the
# samples grouped by the outermost newsdesk function on each stack.
#
#   WL=r1 bash bench/profile.sh      (WL: r1, r2 or r3; needs bench/data from bench/run.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/server.sh
DATA=bench/data
BIN=${BIN:-target/release/newsdesk}
PORT=18191
BASE="http://127.0.0.1:$PORT"
WL=${WL:-r1}
OUT=${PERF_OUT:-/tmp/newsdesk-perf}
command -v perf >/dev/null || { echo "perf is missing (apt install linux-perf)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f $DATA/prof.db*
cp $DATA/bench-100000.db $DATA/prof.db
sync
trap 'kill ${SERVER:-} 2>/dev/null; wait ${SERVER:-} 2>/dev/null; rm -f $DATA/prof.db*' EXIT
start_server $DATA/prof.db "$BIN" "prof-$$"
S=$SERVER
export BENCH_REQUESTS=$DATA/$WL-100000.txt BENCH_KEY=$KEY
taskset -c 1 wrk -t1 -c64 -d"${WARM:-30}"s -s bench/news.lua $BASE | grep Requests/sec
taskset -c 1 wrk -t1 -c64 -d15s --latency -s bench/news.lua $BASE >"$OUT/wrk.txt" &
W=$!
sleep 2
perf record -F 499 --call-graph dwarf,16384 -p $S -o "$OUT/perf.data" -- sleep 10 2>/dev/null
wait $W
grep -E "Requests/sec|99%" "$OUT/wrk.txt"
curl -fsS "$BASE/metrics" | grep -E "^newsdesk_cache_lookups_total"
perf script -i "$OUT/perf.data" 2>/dev/null >"$OUT/perf.txt"
python3 - "$OUT/perf.txt" <<'PY'
import collections, re, sys
shares, total, prepare = collections.Counter(), 0, 0
for sample in open(sys.argv[1]).read().split("\n\n"):
    lines = [l.strip() for l in sample.strip().split("\n")[1:]]
    if not lines:
        continue
    total += 1
    frames = [re.sub(r"\+0x[0-9a-f]+ \(.*\)$", "", re.sub(r"^[0-9a-f]+ ", "", l)) for l in lines]
    ours = [f for f in frames if f.startswith(("newsdesk::db::", "newsdesk::handlers::"))]
    any_ours = [f for f in frames if f.startswith("newsdesk::")]
    where = ours[-1] if ours else ("kernel" if "kallsyms" in sample else (any_ours[-1] if any_ours else "outside newsdesk"))
    shares[re.sub(r"::\{\{closure\}\}", "", where)[:90]] += 1
    prepare += "sqlite3_prepare" in sample
print(f"{total} samples; sqlite3_prepare in {100 * prepare / max(total, 1):.1f} %")
for where, n in shares.most_common(14):
    print(f"{100 * n / total:5.1f} %  {where}")
PY
