#!/usr/bin/env bash
# `make demo`: a fresh demo database from synthetic spreadsheets, then the main job end to end.
# Uses the packaged config.toml (SQLite, file gateway) with the database in var/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
J=".venv/bin/jinli"
DEMO="var/demo"
TODAY="${DEMO_TODAY:-$(TZ=Asia/Shanghai date +%F)}"
rm -rf "$DEMO" && mkdir -p "$DEMO"
export JINLI_DATABASE_URL="sqlite:///$PWD/$DEMO/jinli.sqlite3"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The shop's spreadsheets (synthetic, 300 customers, two bad rows)"
.venv/bin/python -m bench.synthetic "$DEMO" --customers 300 --today "$TODAY" --bad-rows

step "2. Import customers, holdings and movements"
$J import customers "$DEMO/customers.csv"
$J import holdings "$DEMO/holdings.csv"
$J import movements "$DEMO/movements.csv"
echo "-- importing the same customers file again changes nothing:"
$J import customers "$DEMO/customers.csv" --json

step "3. Tiers (客户分类) as of $TODAY"
$J tiers recompute --as-of "$TODAY"
BEST=$(.venv/bin/python - <<'PY'
import os, sqlalchemy as sa
engine = sa.create_engine(os.environ["JINLI_DATABASE_URL"])
with engine.connect() as conn:
    print(conn.execute(sa.text("SELECT referral_code FROM customers ORDER BY tier_score DESC, id LIMIT 1")).scalar())
PY
)
echo "-- why the best-scored customer ($BEST) is in their tier:"
$J tiers explain "$BEST" --as-of "$TODAY"
echo "-- staff pin a tier by hand:"
$J tiers pin 13000000000 A --reason "行长推荐的重要客户"
$J tiers explain 13000000000 --as-of "$TODAY" | tail -n 2

printf '\nDemo database: %s\n' "$DEMO/jinli.sqlite3"
