#!/usr/bin/env bash
# Development only: regenerate 0001 from the models. Allowed only until a release with 0001 is in
# use; after that every schema change is a new migration (`alembic revision --autogenerate`).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f /tmp/jinli-gen.sqlite3 records/migrations/versions/0001_initial_schema.py
.venv/bin/python - <<'PY'
from alembic import command
from records.db import alembic_config, make_engine
command.revision(alembic_config(make_engine("sqlite:////tmp/jinli-gen.sqlite3")), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
sed -i 's/^Create Date: .*/Create Date: 2026-11-23/' records/migrations/versions/0001_initial_schema.py
