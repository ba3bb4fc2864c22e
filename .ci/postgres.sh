#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the tests and prints its URL
# (postgres://postgres@127.0.0.1:PORT/postgres) on stdout; `.ci/postgres.sh stop DIR`
# stops it, `restart DIR` crashes it (immediate shutdown) and starts it again.
# Installs Debian's package when no server binaries are present. The server
# refuses to run as root, so as root it runs as the `postgres` user on a folder it owns.
#   url=$(bash .ci/postgres.sh start /tmp/newsdesk-pg)
#   bash .ci/postgres.sh stop /tmp/newsdesk-pg
set -euo pipefail
cmd=${1:?start|restart|stop}
dir=${2:?folder for the cluster}

find_bindir() {
  bindir=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bindir=$d
  done
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
  find_bindir
  if [ -z "$bindir" ]; then
    echo "installing PostgreSQL (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
    find_bindir
  fi
  # A server a failed run left in this folder is stopped before the folder goes.
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_pg "$bindir/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 --auth=trust \
    --no-sync -U postgres >"$dir/initdb.log" 2>&1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # A test server: no fsync (the data is thrown away), room for many test databases.
  # PG_BENCH=1 (bench/run.sh): durable writes (fsync on) with synchronous_commit off,
  # the counterpart of SQLite's synchronous=NORMAL in WAL mode, and 1 GB of buffers.
  settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
  [ "${PG_BENCH:-0}" = 1 ] &&
    settings="-c synchronous_commit=off -c shared_buffers=1GB -c max_wal_size=4GB -c max_connections=100"
  # PG_EXTRA: more settings, e.g. "-c shared_preload_libraries=pg_stat_statements".
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k '$dir' $settings ${PG_EXTRA:-}" >&2
  echo "$port" >"$dir/port"
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
restart)
  # A crash and a start again: immediate shutdown (no checkpoint; the start replays the
  # WAL), with the options the server was started with.
  find_bindir
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w restart >&2
  ;;
stop)
  find_bindir
  [ -n "$bindir" ] && [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  ;;
*)
  echo "usage: $0 start|restart|stop DIR" >&2
  exit 2
  ;;
esac
