#!/usr/bin/env bash
# Media benchmark (issue 14): uploads of a 12-megapixel JPEG (all variants made before the
# answer) and serving a variant's bytes, against the ceiling serving the same bytes.
#
#   bash bench/media.sh            # UPLOADS=5 DURATION=10s CONNECTIONS=64
#
# The server is pinned to CPU 0 (one worker: "on one core"), wrk and curl run on CPU 1.
# Photos are made by examples/photo.rs (smooth fields with grain, compressing like a
# photograph; each distinct so none is deduplicated). Prints per-upload seconds, the server's peak RSS (VmHWM), and
# req/s for the 1024-pixel WebP variant and for examples/ceiling.rs serving that file.
set -euo pipefail
cd "$(dirname "$0")/.."
UPLOADS=${UPLOADS:-5}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18290}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --quiet --bin newsdesk --example ceiling --example photo
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export DATABASE_URL="$WORK/bench.db" NEWSDESK_BIND="127.0.0.1:$PORT" NEWSDESK_PUBLIC_URL="http://127.0.0.1:$PORT"
export NEWSDESK_ANON_RATE=off NEWSDESK_KEY_RATE=off RUST_LOG=warn NEWSDESK_WORKERS=1
KEY=$(target/release/newsdesk keys create --name bench --scope write 2>/dev/null)
taskset -c 0 target/release/newsdesk serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "| upload | seconds | variants |"
echo "|---|---|---|"
total=0
for i in $(seq 1 "$UPLOADS"); do
  taskset -c 1 target/release/examples/photo 4000 3000 "$i" "$WORK/photo-$i.jpg"
  out=$(taskset -c 1 curl -sS -o "$WORK/answer-$i.json" -w '%{time_total} %{http_code}' -X POST \
    "http://127.0.0.1:$PORT/v1/media?alt=bench" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: image/jpeg' --data-binary "@$WORK/photo-$i.jpg")
  secs=${out% *}; code=${out#* }
  [ "$code" = 201 ] || { echo "upload $i answered $code"; cat "$WORK/answer-$i.json"; exit 1; }
  n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['variants']))" "$WORK/answer-$i.json")
  echo "| $i ($(stat -c %s "$WORK/photo-$i.jpg") bytes) | $secs | $n |"
  total=$(python3 -c "print($total + $secs)")
done
echo
echo "mean upload: $(python3 -c "print(round($total / $UPLOADS, 3))") s; server peak RSS: $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$SERVER/status)"
URL=$(python3 -c "import json,sys; v=[v for v in json.load(open(sys.argv[1]))['variants'] if v['width']==1024 and v['type']=='image/webp'][0]; print(v['url'], v['bytes'])" "$WORK/answer-1.json")
FILE_URL=${URL% *}; BYTES=${URL#* }
curl -fsS -o "$WORK/variant.webp" "$FILE_URL"
taskset -c 0 target/release/examples/ceiling "127.0.0.1:$((PORT + 1))" "$WORK/variant.webp" 2>/dev/null &
sleep 0.5
rps() { taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "$1" 2>&1 | awk '/Requests\/sec/ {print $2}'; }
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s "$FILE_URL" >/dev/null 2>&1 || true
served=$(rps "$FILE_URL")
ceiling=$(rps "http://127.0.0.1:$((PORT + 1))/")
echo "variant (1024 px WebP, $BYTES bytes): $served req/s; ceiling (same bytes from memory): $ceiling req/s; ratio $(python3 -c "print(round(100 * $served / $ceiling, 1))") %"
