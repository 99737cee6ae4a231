"""`jinli customers erase` (PIPL): no trace of the person left in any table or file jinli wrote; reports add up the same;
an erased, opted-out number imported again stays opted out."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import String, Text, column, insert, inspect, select, table, text, update

from messaging.gateways.base import OutgoingSms
from messaging.gateways.file import FileGateway
from records import models
from records.importing import birth_columns
from records.personal_data import NO_PERSONAL_DATA, PERSONAL_DATA
from reports.filters import ReportFilter
from reports.funnel import funnel
from reports.referrals import leaderboard
from tests.events_seed import seed_shop
from tests.factories import SHANGHAI

KEY = "a-long-erasure-secret"
NAME, PHONE = "王芳", "+8613800000001"
FORMER_NAME = "王小芳"  # the name staff corrected: kept as the before value in the audit trail
PHONE_FORMS = re.compile(r"(?<!\d)(?:\+?86[ -]?)?138[ -]?0000[ -]?0001(?!\d)")
BIRTHDAY_FORMS = ("1985-03-05", "1985/3/5", "1985/03/05", "19850305", "1985年3月5日", "1985.3.5")
FUNNEL = ("invited", "delivered", "confirmed", "attended", "walk_ins", "referrers", "referrals", "converted", "deposits_fen")


def traces_left(conn, sent_file) -> list[str]:
    """Every text cell of every table (reflected from the database itself) and every gateway line naming the person."""
    found = []
    inspector = inspect(conn)
    for name in inspector.get_table_names():
        texts = [column(c["name"]) for c in inspector.get_columns(name) if isinstance(c["type"], (String, Text))]
        for row in conn.execute(select(*texts).select_from(table(name))).all() if texts else []:
            found += [f"{name}.{col.name}: {value}" for col, value in zip(texts, row) if _names_them(value)]
    if sent_file.exists():
        found += [f"sent.jsonl: {line}" for line in sent_file.read_text(encoding="utf-8").splitlines() if _names_them(line)]
    return found


def _names_them(value) -> bool:
    return isinstance(value, str) and (NAME in value or FORMER_NAME in value or PHONE_FORMS.search(value) is not None
                                       or any(form in value for form in BIRTHDAY_FORMS))


def funnel_figures(conn) -> dict:
    report = funnel(conn, ReportFilter(), "event", SHANGHAI)
    rows = {row.key: tuple(getattr(row, n) for n in FUNNEL) for row in report.rows}
    leaders = [(l.customer_id, l.referrals, l.converted, l.deposits_fen) for l in leaderboard(conn, ReportFilter(), SHANGHAI)]
    return {"total": tuple(getattr(report.total, n) for n in FUNNEL), "events": rows, "leaders": leaders}


@pytest.fixture
def shop(app, cli, make_csv, monkeypatch):
    """The hand-counted shop of tests/events_seed.py; 王芳 (a1) also has a birthday, texts in the file gateway,
    a reply, an opt-out, a pinned tier, notes in free text and a row in a rejects file."""
    with app.engine.begin() as conn:
        seed = seed_shop(conn)
        a1 = seed.ids["a1"]
        _personal_copies(conn, a1)
    gateway = FileGateway(app.settings.path("sent.jsonl"))
    gateway.send(OutgoingSms(901, PHONE, "【金福】王芳您好，3月5日生日快乐"))
    gateway.send(OutgoingSms(902, seed.phones["a2"], "【金福】李娜您好"))
    rejects_source = make_csv("again.csv", f"phone,name,birthday\n138 0000 0001,{NAME},1985-13-05\n13900000999,路人,2099-01-01\n")
    cli("import", "customers", str(rejects_source))
    cli("tiers", "pin", PHONE, "A", "--reason", f"行长推荐 {NAME}")
    cli("customers", "edit", PHONE, "--store", "总店", "--name", FORMER_NAME, "--by", "王经理")
    cli("customers", "edit", PHONE, "--name", NAME, "--birthday", "1985/3/5", "--calendar", "农历")
    cli("customers", "edit", PHONE, "--calendar", "公历")
    monkeypatch.setenv("JINLI_ERASURE_KEY", KEY)
    return seed, rejects_source.with_name("again.rejects.csv")


def _personal_copies(conn, a1: int) -> None:
    now = datetime(2025, 6, 1, 2, tzinfo=timezone.utc)
    conn.execute(update(models.Customer.__table__).where(models.Customer.__table__.c.id == a1)
                 .values(**birth_columns("1985-03-05", "solar", "")))
    conn.execute(update(models.OutboxMessage.__table__).where(models.OutboxMessage.__table__.c.customer_id == a1)
                 .values(body="【金福】王芳您好，1985年3月5日出生的您…", template_params=json.dumps({"name": NAME})))
    conn.execute(insert(models.InboundMessage.__table__).values(
        provider_id="SM1", phone=PHONE, customer_id=a1, body="我是王芳 1", intent="confirm", received_at=now))
    conn.execute(insert(models.OptOutEvent.__table__).values(
        customer_id=a1, phone=PHONE, action="out", source="staff", detail="王芳 called from 138-0000-0001", at=now))
    conn.execute(update(models.Customer.__table__).where(models.Customer.__table__.c.id == a1)
                 .values(opted_out=True, opted_out_at=now))


def test_every_table_declares_whether_it_holds_personal_data():
    declared = {spec.table for spec in PERSONAL_DATA}
    assert declared.isdisjoint(NO_PERSONAL_DATA)
    assert set(models.SQLModel.metadata.tables) <= declared | NO_PERSONAL_DATA  # a new table adds its line
    for spec in PERSONAL_DATA:
        table = models.SQLModel.metadata.tables.get(spec.table)
        if table is None:
            continue  # declared ahead of a merge

        for column in (*spec.by_customer, *spec.by_phone, *spec.replace, *spec.scrub):
            assert column in table.c, f"{spec.table}.{column}"


def test_erase_leaves_no_trace_and_the_reports_add_up_the_same(app, cli, shop):
    seed, rejects = shop
    sent = app.settings.path("sent.jsonl")
    with app.engine.connect() as conn:
        before = funnel_figures(conn)
        assert len(traces_left(conn, sent)) >= 10  # the scan sees the copies the fixture made
    assert NAME in rejects.read_text(encoding="utf-8-sig")

    result = cli("customers", "erase", "13800000001", "--reason", f"PIPL request by {NAME} on 2025-06-01", "--by", "王经理")

    assert result.exit_code == 0, result.output
    with app.engine.connect() as conn:
        assert traces_left(conn, sent) == []
        assert funnel_figures(conn) == before
        tomb = conn.execute(select(models.Customer.__table__).where(models.Customer.__table__.c.id == seed.ids["a1"])).mappings().one()
        kept = conn.execute(select(models.ErasedPhone.__table__)).all()
    assert (tomb["name"], tomb["phone"], tomb["born_on"], tomb["birth_year"], tomb["tier"]) == ("已删除", f"erased:{seed.ids['a1']}", None, None, "A")
    assert len(kept) == 1 and kept[0].digest != PHONE and "13800000001" not in kept[0].digest
    lines = sent.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["to"] for line in lines] == [seed.phones["a2"]]  # the other customer's text stays
    rows = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("row,reason") and len(rows) == 2 and "13900000999" in rows[1]


def test_erase_is_in_the_audit_trail_without_personal_data(cli, shop):
    cli("customers", "erase", NAME, "--reason", f"PIPL request by {NAME}", "--by", "王经理")
    trail = json.loads(cli("audit", "--customer", "id:1", "--json").output)
    assert [e["action"] for e in trail][:5] == ["customers.erase", "customers.edit", "customers.edit", "customers.edit", "tiers.pin"]
    edits = [json.loads(e["detail"])["changes"] for e in trail[1:4]]
    assert edits[2] == {"name": ["[已删除]", "[已删除]"], "store": ["南京路店", "总店"]}  # which fields changed stays
    assert all(set(map(str, before_after)) == {"[已删除]"} for change in edits[:2] for before_after in change.values())
    erase = trail[0]
    assert erase["actor"].startswith("王经理 via os:") and erase["reason"] == "PIPL request by [已删除]"
    assert json.loads(erase["detail"])["phone_kept_as_hash"] is True


def test_an_erased_opted_out_number_imported_again_stays_opted_out(app, cli, shop, make_csv):
    cli("customers", "erase", PHONE, "--reason", "PIPL")
    result = cli("import", "customers", str(make_csv("back.csv", "phone,name\n138-0000-0001,王芳\n13800000777,新客\n")))
    assert result.exit_code == 0, result.output
    with app.engine.connect() as conn:
        c = models.Customer.__table__.c
        opted = dict(conn.execute(select(c.phone, c.opted_out).where(c.phone.in_([PHONE, "+8613800000777"]))).all())
        source = conn.execute(select(models.OptOutEvent.__table__.c.source).where(models.OptOutEvent.__table__.c.phone == PHONE)).scalars().all()
    assert opted == {PHONE: True, "+8613800000777": False}
    assert source == ["erasure"]


def test_import_after_an_erasure_without_the_key_is_refused_in_one_line(app, cli, shop, make_csv, monkeypatch):
    cli("customers", "erase", PHONE, "--reason", "PIPL")
    monkeypatch.delenv("JINLI_ERASURE_KEY")
    result = cli("import", "customers", str(make_csv("back.csv", "phone,name\n13800000001,王芳\n")))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "jinli: error: JINLI_ERASURE_KEY is not set: importing customers after an erasure needs it (a secret of your "
        "choice, kept stable; erased phones are kept only as keyed hashes)"]
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers WHERE phone = :p"), {"p": PHONE}).scalar() == 0


def test_erase_refuses_while_a_message_is_in_flight(app, cli, shop):
    seed, _ = shop
    with app.engine.begin() as conn:
        o = models.OutboxMessage.__table__
        conn.execute(update(o).where(o.c.key == "E1-a1-invitation").values(state="sending"))
    result = cli("customers", "erase", PHONE, "--reason", "PIPL")
    assert result.exit_code == 1
    assert result.output.strip() == (f"jinli: error: customer {seed.ids['a1']}: 1 message(s) in flight ('sending'): erase once "
                                     "they are settled (jinli outbox stuck, jinli outbox reconcile)")
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM customers WHERE id = :i"), {"i": seed.ids["a1"]}).scalar() == NAME


@pytest.mark.parametrize("args, env_key, message", [
    (("13899999999", "--reason", "x"), KEY, "jinli: 错误：找不到客户 '138****9999'"),
    (("路人甲", "--reason", "x"), KEY, "jinli: 错误：找不到客户 '路人甲'（不是手机号、编号、推荐码或客户姓名）"),
    ((PHONE, "--reason", "x"), None, "jinli: error: JINLI_ERASURE_KEY is not set: jinli customers erase needs it"),
    ((PHONE, "--reason", " "), KEY, "jinli: 错误：--reason 不能为空"),
], ids=["unknown-phone", "unknown-name", "no-key", "empty-reason"])
def test_erase_bad_input_is_one_line_and_changes_nothing(app, cli, shop, monkeypatch, args, env_key, message):
    if env_key is None:
        monkeypatch.delenv("JINLI_ERASURE_KEY")
    result = cli("customers", "erase", *args)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith(message)
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers WHERE name = :n"), {"n": NAME}).scalar() == 1


def test_an_ambiguous_name_says_how_many_match(app, cli, shop, make_csv):
    cli("import", "customers", str(make_csv("twin.csv", "phone,name\n13800000555,王芳\n")))
    result = cli("customers", "erase", NAME, "--reason", "PIPL")
    assert result.exit_code == 1
    assert result.output.strip() == ("jinli: 错误：客户姓名 '王芳' 对应 2 位客户：请用手机号、id:编号或推荐码指明"
                                     "（jinli customers list --search 王芳）")


def test_an_erased_customer_is_in_no_audience_and_no_list(app, cli, shop):
    cli("customers", "erase", PHONE, "--reason", "PIPL")
    listed = json.loads(cli("customers", "list", "--format", "json", "--limit", "1000").output)
    assert "已删除" not in {row["name"] for row in listed} and len(listed) > 5
    assert cli("customers", "erase", PHONE, "--reason", "PIPL").exit_code == 1  # the number is gone: not found
