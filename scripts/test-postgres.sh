#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the test suite and print its URL.
# Installs Debian's postgresql package when the server binaries are missing.
# Usage: eval "$(scripts/test-postgres.sh)"   # sets CRM_TEST_POSTGRES_URL
set -euo pipefail

port="${CRM_TEST_POSTGRES_PORT:-55432}"
dir="${CRM_TEST_POSTGRES_DIR:-/tmp/crm-test-postgres}"

find_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  echo "installing PostgreSQL from Debian's packages..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql postgresql-contrib >&2
  bin=$(find_bin)
fi

# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
run_as() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

if ! run_as "$bin/pg_ctl -D '$dir/data' status" >/dev/null 2>&1; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    run_as "$bin/initdb -D '$dir/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >&2
  fi
  run_as "$bin/pg_ctl -D '$dir/data' -l '$dir/server.log' -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >&2
fi

echo "export CRM_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$port/postgres"
