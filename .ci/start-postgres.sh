#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster on a free 127.0.0.1 port, the way `make test` does (Debian's
# package, else PyPI's). Source it: it exports JINLI_TEST_PG_URL and defines stop_pg (for developers
# and benchmarks; the test suite's own set-up is .ci/with-services.sh).
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
unset JINLI_TEST_PG_URL
start_postgres || return 1 2>/dev/null || exit 1
stop_pg() { stop_postgres; }
echo "PostgreSQL on 127.0.0.1:$PGPORT ($PGDIR): JINLI_TEST_PG_URL=$JINLI_TEST_PG_URL"
