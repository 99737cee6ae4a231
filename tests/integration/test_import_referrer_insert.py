"""A new customer whose referrer is already a customer is inserted with its referrer: no UPDATE of
customers.referrer_id, the referrals row written as before; links this batch's own rows could change
(a name or code they take, a referee they name first, a code refused) come out as they always did."""

from __future__ import annotations

import csv
import re
import pytest
from sqlalchemy import event, text

from records.db import ensure_schema, make_engine
from records.importing import ImportOptions, import_file
from tests.conftest import database_url_for
from tests.integration.test_import_copy import NOW, TODAY

REFERRERS = """phone,name,referral_code,joined_on
13800000001,王芳,WANGFANG,2020-01-05
13800000002,李娜,,2021-02-01
13800000003,张伟,,2022-03-01
13800000004,LILY,,2022-04-01
"""
REFERRER_UPDATE = re.compile(r"^\s*UPDATE\s+customers\s+SET\s+referrer_id\b", re.IGNORECASE)


@pytest.fixture
def engine(backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'jinli.sqlite3'}" if backend == "sqlite" else database_url_for(backend)
    engine = make_engine(url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def _import(engine, tmp_path, name: str, body: str):
    path = tmp_path / f"{name}.csv"
    path.write_text(body, encoding="utf-8")
    options = ImportOptions(rejects_path=tmp_path / f"{name}.rejects.csv", today=TODAY, now=NOW, language="en")
    return import_file(engine, "customers", path, options)


def _referrer_updates(engine) -> list[str]:
    """The statements that set customers.referrer_id, recorded from here on."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, *_args):
        if REFERRER_UPDATE.match(statement):
            seen.append(statement)

    return seen


def _referrers(engine) -> dict[str, str | None]:
    """Each customer's phone -> their referrer's phone."""
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT c.phone, r.phone FROM customers c "
                                      "LEFT JOIN customers r ON r.id = c.referrer_id")).all())


def _referrals(engine) -> list[tuple]:
    """(referrer phone, referee phone, source, referred_on as ISO text) in id order."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT r.phone, e.phone, f.source, f.referred_on FROM referrals f "
                                 "JOIN customers r ON r.id = f.referrer_id JOIN customers e ON e.id = f.referee_id "
                                 "ORDER BY f.id")).all()
    return [(*row[:3], str(row[3])) for row in rows]  # SQLite reads the date back as text here


def _reasons(tmp_path, name: str) -> list[tuple[str, str]]:
    path = tmp_path / f"{name}.rejects.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [(row[0], row[1]) for row in list(csv.reader(file))[1:]]


def test_new_customers_named_by_phone_code_or_name_are_inserted_with_their_referrer_and_no_update(engine, tmp_path):
    _import(engine, tmp_path, "referrers", REFERRERS)
    updates = _referrer_updates(engine)
    summary = _import(engine, tmp_path, "new", "phone,name,joined_on,referrer\n13900000001,赵敏,2024-05-01,13800000001\n"
                      "13900000002,孙丽,,wang-fang\n13900000003,周杰,2024-06-01,李娜\n")
    assert (summary.imported, summary.warnings, summary.rejected) == (3, 0, 0)
    assert updates == []
    referrers = _referrers(engine)
    assert [referrers[f"+861390000000{i}"] for i in (1, 2, 3)] == ["+8613800000001", "+8613800000001", "+8613800000002"]
    assert _referrals(engine) == [("+8613800000001", "+8613900000001", "import", "2024-05-01"),
                                  ("+8613800000001", "+8613900000002", "import", str(TODAY)),
                                  ("+8613800000002", "+8613900000003", "import", "2024-06-01")]


def test_links_to_referrers_in_the_same_batch_still_go_through_the_update(engine, tmp_path):
    updates = _referrer_updates(engine)
    _import(engine, tmp_path, "both", "phone,name,referrer\n13800000001,王芳,\n13900000001,赵敏,13800000001\n")
    assert _referrers(engine)["+8613900000001"] == "+8613800000001" and len(updates) == 1
    assert _referrals(engine) == [("+8613800000001", "+8613900000001", "import", str(TODAY))]


def test_links_the_batch_itself_changes_come_out_as_before(engine, tmp_path):
    """A refused code links nobody; a name the batch gives a second customer is ambiguous; a code a new row
    takes wins over an existing customer's name; a referee named earlier in the batch gets the cycle check."""
    _import(engine, tmp_path, "referrers", REFERRERS)
    summary = _import(engine, tmp_path, "batch", "phone,name,referral_code,referrer\n"
                      "13900000001,赵敏,WANGFANG,13800000002\n"  # code taken: rejected, no link
                      "13900000002,张伟,,\n13900000003,周杰,,张伟\n"  # 张伟 is two customers now
                      "13900000004,新人,LILY,\n13900000005,孙丽,,LILY\n"  # LILY: the new row's code before the name
                      "13800000002,李娜,,13900000006\n13900000006,钱多,,13800000002\n")  # 李娜 first: 钱多's link closes a cycle
    assert (summary.imported, summary.updated, summary.rejected, summary.warnings) == (5, 0, 1, 2)
    referrers = _referrers(engine)
    assert "+8613900000001" not in referrers
    assert (referrers["+8613900000003"], referrers["+8613900000005"]) == (None, "+8613900000004")
    assert (referrers["+8613800000002"], referrers["+8613900000006"]) == ("+8613900000006", None)
    assert _referrals(engine) == [("+8613900000004", "+8613900000005", "import", str(TODAY)),
                                  ("+8613900000006", "+8613800000002", "import", "2021-02-01")]
    assert _reasons(tmp_path, "batch") == [
        ("2", "referral code 'WANGFANG' already belongs to another customer"),
        ("4", "warning: referrer '张伟' is the name of 2 customers: give the referrer's phone or referral code; "
              "customer imported without this referrer"),
        ("8", "warning: referrer 138****0002 was themself referred (directly or not) by this customer; "
              "customer imported without this referrer")]
