#!/usr/bin/env bash
# Run a command (the test suite) against a real PostgreSQL, and the machine's Redis when it has one.
#
# Uses $DATABASE_URL when it already names PostgreSQL, else the local service on 127.0.0.1:5432
# when it lets us in, else a throwaway cluster in a temporary folder (installing Debian's
# postgresql first when root and absent). Without any of these it says so and runs the command
# on SQLite, so the tests kept for this pass (the slow ones) still run once.
set -euo pipefail

if [[ "${DATABASE_URL:-}" != postgres* ]]; then
  if command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/bcsales"
  else
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$bindir" && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    if [[ -z "$bindir" ]]; then
      echo "No PostgreSQL server here and no way to install one: this pass runs on SQLite."
      exec "$@"
    fi
    cluster=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner=()
    if [[ "$(id -u)" == 0 ]]; then  # PostgreSQL refuses to run as root
      chown postgres "$cluster"; as_owner=(runuser -u postgres --)
    fi
    "${as_owner[@]}" "$bindir/initdb" -D "$cluster/data" -A trust -U postgres >/dev/null
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w \
      -o "-p $port -h 127.0.0.1 -k $cluster" start >/dev/null
    trap '"${as_owner[@]}" "$bindir/pg_ctl" -D "$cluster/data" -m fast stop >/dev/null; rm -rf "$cluster"' EXIT
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/bcsales"
  fi
fi

if [[ -z "${TEST_REDIS_URL:-}" ]] && command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/15"  # xdist workers count down from 15
fi

echo "PostgreSQL pass: DATABASE_URL=${DATABASE_URL%%@*}@...  Redis: ${TEST_REDIS_URL:-embedded}"
"$@"
