#!/usr/bin/env bash
# `make demo`: a fresh demo database from synthetic spreadsheets, then the main job end to end.
# Uses the packaged config.toml (SQLite, file gateway) with the database in var/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
J=".venv/bin/jinli"
DEMO="var/demo"
TODAY="${DEMO_TODAY:-$(TZ=Asia/Shanghai date +%F)}"
rm -rf "$DEMO" && mkdir -p "$DEMO"
# The packaged config.toml, with the database and the file gateway's output inside var/demo.
sed -e 's|^url = .*|url = "sqlite:///jinli.sqlite3"|' -e 's|^file_path = .*|file_path = "sent.jsonl"|' \
    -e "s|^campaigns_dir = .*|campaigns_dir = \"$PWD/campaigns\"|" -e "s|^templates_dir = .*|templates_dir = \"$PWD/templates\"|" \
    -e "s|^holidays_file = .*|holidays_file = \"$PWD/calendar/holidays.toml\"|" \
    config.toml > "$DEMO/config.toml"
export JINLI_CONFIG="$PWD/$DEMO/config.toml"
unset JINLI_DATABASE_URL
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
$J tiers recompute --date "$TODAY"
BEST=$(.venv/bin/python - <<'PY'
import os, sqlalchemy as sa
engine = sa.create_engine("sqlite:///var/demo/jinli.sqlite3")
with engine.connect() as conn:
    print(conn.execute(sa.text("SELECT referral_code FROM customers ORDER BY tier_score DESC, id LIMIT 1")).scalar())
PY
)
echo "-- why the best-scored customer ($BEST) is in their tier:"
$J tiers explain "$BEST" --as-of "$TODAY"
echo "-- staff pin a tier by hand:"
$J tiers pin 13000000000 A --reason "行长推荐的重要客户"
$J tiers explain 13000000000 --as-of "$TODAY" | tail -n 2

step "4. Campaign files (the seed playbook)"
$J campaigns validate
$J campaigns list --days 7

step "5. Preview: who gets what today, and who is excluded and why"
$J campaigns preview salons --date "$TODAY" | head -n 12
echo "…"

step "6. Run the past week, day by day, then today (plan every campaign, send through the file gateway)"
for back in 6 5 4 3 2 1; do
    D=$(date -d "$TODAY -$back day" +%F)
    JINLI_NOW="${D}T20:00:00+08:00" $J run --date "$D" | head -n 2 | tail -n 1 | sed "s/^/$D:/"
done
step "6b. The coming two weeks: what will be sent, computed by the planner (nothing written)"
$J schedule --days 14
$J schedule --days 14 --format html -o "$DEMO/schedule.html"
echo "-- today's run then sends what the schedule showed for today:"
$J run --date "$TODAY"
echo "-- running the same day again sends nothing twice:"
$J run --date "$TODAY" | tail -n 3

step "7. The texts jinli \"sent\" (file gateway: $DEMO/sent.jsonl)"
.venv/bin/python - "$DEMO/sent.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
for m in lines[-10:]:
    print(f"{m['to'][3:6]}****{m['to'][-4:]}  {m['body']}")
print(f"… {len(lines)} texts in all")
PY

step "8. At the door: replies, check-ins, walk-in friends with referrers, their first deposits"
NOW="${TODAY}T21:00:00+08:00"
.venv/bin/python scripts/demo_door.py "$NOW" "$DEMO"
FIRST=$(.venv/bin/python - <<'PY'
import sqlalchemy as sa
e = sa.create_engine("sqlite:///var/demo/jinli.sqlite3")
with e.connect() as c:
    print(c.execute(sa.text("SELECT i.code FROM invitations i JOIN checkins k ON k.invitation_id = i.id ORDER BY i.id LIMIT 1")).scalar())
PY
)
echo "-- the door staff check a guest in by code (again: harmless):"
JINLI_NOW="$NOW" $J checkin "$FIRST"
echo "-- what the daemon's daily recompute does: points and referral rewards, then tiers:"
JINLI_NOW="$NOW" $J points recompute --date "$TODAY"
$J tiers recompute --date "$TODAY" >/dev/null

step "9. Reports (报表): how attendance turns into referrals"
$J report referrals | head -n 20
$J report visits | head -n 12
$J report funnel --format html -o "$DEMO/funnel.html"
$J report funnel --format png -o "$DEMO/funnel.png"
$J report funnel --by salon

printf '\nDemo database: %s\nHTML report: %s\nPNG chart:   %s\nSchedule:    %s\n' "$DEMO/jinli.sqlite3" "$PWD/$DEMO/funnel.html" "$PWD/$DEMO/funnel.png" "$PWD/$DEMO/schedule.html"
