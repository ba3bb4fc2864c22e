# Sourced by the bench scripts: start_server DB BIN NAME [LOG] starts a release server on
# DB (a file or a postgres:// URL) pinned to CPU 0 with one worker and quotas off, at
# $BASE (port $PORT), with a fresh write key named NAME; it sets KEY and SERVER (the pid)
# and returns once /readyz answers.
start_server() {
  local db=$1 bin=$2 name=$3 log=${4:-/dev/null}
  KEY=$(DATABASE_URL=$db "$bin" keys create --name "$name" --scope write 2>/dev/null)
  DATABASE_URL=$db NEWSDESK_BIND="127.0.0.1:$PORT" NEWSDESK_PUBLIC_URL="$BASE" \
    NEWSDESK_WORKERS=1 NEWSDESK_ANON_RATE=off NEWSDESK_KEY_RATE=off RUST_LOG=warn \
    taskset -c 0 "$bin" serve >"$log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the server on $db did not become ready" >&2
  return 1
}
