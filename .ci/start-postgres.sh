#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on a free 127.0.0.1 port (installing the Debian package if
# needed). Source it: it exports JINLI_TEST_PG_URL and defines stop_pg (also for developers).
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
PGDIR=$(mktemp -d /tmp/jinli-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
as_pg "$PGBIN/initdb -D $PGDIR/data -U postgres -A trust --no-sync >/dev/null"
as_pg "$PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/log -w start \
    -o '-h 127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' >/dev/null"
stop_pg() { as_pg "$PGBIN/pg_ctl -D $PGDIR/data -m immediate stop >/dev/null 2>&1" || true; rm -rf "$PGDIR"; }
as_pg "$PGBIN/createdb -h 127.0.0.1 -p $PGPORT -U postgres jinli_test"
export JINLI_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/jinli_test"
echo "PostgreSQL on 127.0.0.1:$PGPORT ($PGDIR): JINLI_TEST_PG_URL=$JINLI_TEST_PG_URL"
