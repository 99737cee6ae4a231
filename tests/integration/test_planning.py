"""Planning writes each message once: outbox rows, events and invitations, suppressed rows with reasons."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day
from records import models
from tests.factories import add_customer

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 6, 2, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def playbook(site: Path) -> Path:
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    return site.parent / "campaigns"


def plan(app, day: date, only: str | None = None):
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    assert problems == []
    campaigns = [c for c in campaigns if only is None or c.id == only]
    with app.engine.begin() as conn:
        return plan_day(conn, Planner.from_settings(app.settings), campaigns, day, NOW)


def outbox(app) -> list[dict]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(models.OutboxMessage.__table__).order_by(models.OutboxMessage.id)).mappings()]


def test_planning_the_same_day_twice_creates_each_message_once(app, playbook):
    with app.engine.begin() as conn:
        for name, tier in [("甲", "A"), ("乙", "B"), ("丙", "C")]:
            add_customer(conn, name=name, tier=tier)
        add_customer(conn, name="退订", tier="A", opted_out=True)
    first = plan(app, date(2025, 6, 2), "salons")
    assert (first.planned, dict(first.suppressed)) == (3, {})  # invitations go to eligible customers only
    second = plan(app, date(2025, 6, 2), "salons")
    assert (second.planned, second.already_planned) == (0, 3)
    rows = outbox(app)
    assert len(rows) == 3 and {r["state"] for r in rows} == {"planned"}
    assert {r["key"].rsplit("·", 1)[0] for r in rows} == {"salons·2025-06-05·invitation"}


def test_an_opted_out_customer_due_a_notice_gets_a_suppressed_row_with_the_reason(app, playbook):
    from tests.factories import add_holding

    with app.engine.begin() as conn:
        for name, opted_out in [("甲", False), ("退订", True)]:
            cid = add_customer(conn, name=name, tier="C", opted_out=opted_out)
            add_holding(conn, cid, 20_000, "2m", date(2025, 4, 9))  # matures 06-09: the 7-day reminder is due 06-02
    assert dict(plan(app, date(2025, 6, 2), "holding-notices").suppressed) == {"opted_out": 1}
    assert sorted((r["state"], r["reason"], r["body"] == "") for r in outbox(app)) == [
        ("planned", None, False), ("suppressed", "opted_out", True)]
    assert plan(app, date(2025, 6, 2), "holding-notices").already_planned == 2


def test_invitations_record_the_event_and_a_code_that_is_in_the_text(app, playbook):
    with app.engine.begin() as conn:
        cid = add_customer(conn, name="甲", tier="A")
    plan(app, date(2025, 6, 2), "salons")
    with app.engine.connect() as conn:
        event = conn.execute(select(models.Event.__table__)).mappings().one()
        invitation = conn.execute(select(models.Invitation.__table__)).mappings().one()
    assert event["key"] == "salons·2025-06-05" and event["slogan"] == "你能我也能" and event["term"] == "98d"
    assert event["starts_at"] == datetime(2025, 6, 5, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
    assert invitation["customer_id"] == cid and invitation["state"] == "invited" and invitation["tier"] == "A"
    code = invitation["code"]
    assert len(code) == 6 and not set(code) & set("0O1I")
    row = outbox(app)[0]
    assert row["event_id"] == event["id"] and code in row["body"] and row["segments"] == 2
    assert row["due_at"] == datetime(2025, 6, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    # The same-day reminder three days later carries the same code.
    plan(app, date(2025, 6, 5), "salons")
    reminder = [r for r in outbox(app) if r["step"] == "reminder"]
    assert len(reminder) == 1 and code in reminder[0]["body"]


def test_the_weekly_cap_counts_messages_already_planned(app, playbook):
    salons = playbook / "salons.toml"
    salons.write_text(salons.read_text(encoding="utf-8").replace("reminder = true", "reminder = false"), encoding="utf-8")
    with app.engine.begin() as conn:
        add_customer(conn, name="甲", tier="A")
    for day in range(2, 8):  # Mon..Sat (06-05 → the Sunday 06-08 has no salon); the 4th and 5th exceed the cap of 3
        plan(app, date(2025, 6, day), "salons")
    states = [(r["occurrence_on"].isoformat(), r["state"]) for r in outbox(app)]
    assert states == [("2025-06-05", "planned"), ("2025-06-06", "planned"), ("2025-06-07", "planned")]  # capped after 3


PLAN_SCRIPT = """
import sys
from datetime import date, datetime, timezone
from app import App
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day
from settings import load_settings
app = App(load_settings(sys.argv[1]))
campaigns, _ = load_campaigns(app.settings.campaigns_path)
from records.transactions import write_transaction
with write_transaction(app.engine) as conn:
    s = plan_day(conn, Planner.from_settings(app.settings), campaigns, date(2025, 6, 2), datetime(2025, 6, 2, tzinfo=timezone.utc))
print(s.planned)
"""


def test_two_processes_planning_the_same_day_create_each_message_once(app, playbook, site):
    with app.engine.begin() as conn:
        for i in range(60):
            add_customer(conn, name=f"客户{i}", tier="ABCP"[i % 4])
    app.engine.dispose()
    procs = [subprocess.Popen([sys.executable, "-c", PLAN_SCRIPT, str(site)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=REPO, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    with app.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(models.OutboxMessage)).scalar()
        distinct = conn.execute(select(func.count(func.distinct(models.OutboxMessage.key)))).scalar()
        invitations = conn.execute(select(func.count()).select_from(models.Invitation)).scalar()
    assert total == distinct == 36 and invitations == 36  # capacity 30 × over-booking 1.2


def test_the_fast_pick_of_invitees_agrees_with_the_full_classification(app, playbook):
    from sqlalchemy import insert

    from campaigns.audience import select_audience, select_limited
    from campaigns.definitions import load_campaign
    from campaigns.occurrences import occurrences
    from tests.factories import add_event

    with app.engine.begin() as conn:
        ids = [add_customer(conn, name=f"客{i}", tier="ABCP"[i % 4], opted_out=i == 5) for i in range(16)]
        old_event = add_event(conn, date(2025, 5, 20))
        for n, cid in enumerate(ids[:6]):  # earlier invitations: the least recently invited come first
            conn.execute(insert(models.Invitation.__table__).values(event_id=old_event, customer_id=cid, code=f"OLD{n}",
                                                                    state="invited", tier="A",
                                                                    invited_at=datetime(2025, 5, 10 + n, tzinfo=timezone.utc)))
    planner = Planner.from_settings(app.settings)
    campaign = load_campaign(playbook / "salons.toml")
    occurrence = occurrences(campaign, date(2025, 6, 2), planner.calendar)[0]
    limited = type(occurrence)(**{**occurrence.__dict__, "limit": 7})
    with app.engine.connect() as conn:
        full = [c.customer["id"] for c in select_audience(conn, campaign, limited, planner.policy) if c.reason is None]
        fast = [c.customer["id"] for c in select_limited(conn, campaign, limited, planner.policy)]
    assert fast == full and len(fast) == 7
    assert fast[:4] == [ids[8], ids[12], ids[0], ids[4]]  # tier A: never invited (8, 12), then longest ago first


def test_a_monthly_return_notice_streamed_in_pages_reaches_exactly_its_holders(app, playbook):
    """The 月月返 notice is planned from pages of the audience (here 2 rows a page): every holder whose
    payout day it is gets one text with their own name and amount; the opted-out one a suppressed row;
    holders paid on another day, and a matured holding, nothing."""
    from campaigns import audience
    from campaigns.definitions import load_campaign
    from campaigns.occurrences import occurrences
    from tests.factories import add_holding

    with app.engine.begin() as conn:
        due = {}
        for i, name in enumerate(["赵一", "钱二", "孙三", "李四", "周五"]):
            cid = add_customer(conn, name=name, tier="ABCP"[i % 4])
            add_holding(conn, cid, 10_000 * (i + 1), "1y", date(2025, 3, 18), monthly_return=True)
            due[cid] = (name, f"{10_000 * (i + 1):,}")
        quitter = add_customer(conn, name="退订", tier="A", opted_out=True)
        add_holding(conn, quitter, 50_000, "1y", date(2025, 1, 18), monthly_return=True)
        other_day = add_customer(conn, name="别日", tier="A")
        add_holding(conn, other_day, 50_000, "1y", date(2025, 3, 17), monthly_return=True)
        matured = add_customer(conn, name="到期", tier="A")
        add_holding(conn, matured, 50_000, "6m", date(2024, 11, 18), monthly_return=True)  # matured on 05-18
    planner = Planner.from_settings(app.settings)
    campaign = load_campaign(playbook / "holding_notices.toml")
    occurrence = next(o for o in occurrences(campaign, date(2025, 6, 18), planner.calendar) if o.step == "monthly_return")
    assert planner.customer_fields(occurrence) == frozenset({"name"})
    with app.engine.connect() as conn:
        pages = list(audience.stream_audience(conn, campaign, occurrence, planner.policy,
                                              fields=planner.customer_fields(occurrence), page=2))
    assert [len(p) for p in pages] == [2, 2, 2]
    assert set(pages[0][0].customer) == {"id", "name", "phone", "tier"}  # only what the template reads
    summary = plan(app, date(2025, 6, 18), "holding-notices")
    assert (summary.planned, dict(summary.suppressed)) == (5, {"opted_out": 1})
    rows = [r for r in outbox(app) if r["step"] == "monthly_return"]
    sent = {r["customer_id"]: r["body"] for r in rows if r["state"] == "planned"}
    assert set(sent) == set(due)
    for cid, (name, amount) in due.items():
        assert sent[cid].startswith(f"【{app.settings.sms.signature.strip('【】')}】{name}您好") and "6月18日" in sent[cid]
    assert [(r["customer_id"], r["reason"]) for r in rows if r["state"] == "suppressed"] == [(quitter, "opted_out")]
    assert plan(app, date(2025, 6, 18), "holding-notices").already_planned == 6


def test_the_monthly_return_stream_holds_each_holder_once_without_the_amounts_its_template_does_not_read(app, playbook):
    """The 月月返 template reads the name and the date, not the amount or the term: its stream selects the
    holders without their holdings' values (once each, two holdings due or one), the same customers and
    reasons as the full query; the maturity notice, whose template reads the amount, still gets it."""
    from campaigns import audience
    from campaigns.definitions import load_campaign
    from campaigns.occurrences import occurrences
    from tests.factories import add_holding

    with app.engine.begin() as conn:
        twice = add_customer(conn, name="两笔", tier="A")
        add_holding(conn, twice, 10_000, "1y", date(2025, 3, 18), monthly_return=True)
        add_holding(conn, twice, 20_000, "1y", date(2025, 4, 18), monthly_return=True)
        once = add_customer(conn, name="一笔", tier="B")
        add_holding(conn, once, 30_000, "1y", date(2025, 2, 18), monthly_return=True)
        quitter = add_customer(conn, name="退订", tier="A", opted_out=True)
        add_holding(conn, quitter, 50_000, "1y", date(2025, 1, 18), monthly_return=True)
        other_day = add_customer(conn, name="别日", tier="A")
        add_holding(conn, other_day, 50_000, "1y", date(2025, 3, 17), monthly_return=True)
    planner = Planner.from_settings(app.settings)
    campaign = load_campaign(playbook / "holding_notices.toml")
    steps = {o.step: o for o in occurrences(campaign, date(2025, 6, 18), planner.calendar)}
    monthly = steps["monthly_return"]
    assert (planner.rule_columns(monthly), planner.rule_columns(steps["maturity_7d"])) == (False, True)
    with app.engine.connect() as conn:
        selected = audience.select_audience(conn, campaign, monthly, planner.policy)
        streamed = [c for p in audience.stream_audience(conn, campaign, monthly, planner.policy, rule_columns=False)
                    for c in p]
    assert sorted((c.customer["id"], c.reason) for c in streamed) == sorted((c.customer["id"], c.reason) for c in selected) == [
        (twice, None), (once, None), (quitter, "opted_out")]
    assert [c.extra for c in streamed] == [{}, {}, {}]
    assert {c.customer["id"]: c.extra["amount_fen"] for c in selected} == {twice: 3_000_000, once: 3_000_000,
                                                                            quitter: 5_000_000}


@pytest.mark.parametrize("page", [1, 2, 5, 100])
def test_a_streamed_audience_holds_the_selected_candidates_with_their_dates_and_flags_at_any_page_size(app, playbook,
                                                                                                      page):
    """Pages after the first are read off the DB-API cursor as tuples: every candidate still carries the
    values select_audience gives (a maturity date, a leap-month flag, the reason), however the rows
    fall into pages, an exact multiple of the page included."""
    from campaigns import audience
    from campaigns.definitions import load_campaign
    from campaigns.occurrences import occurrences
    from tests.factories import add_holding

    with app.engine.begin() as conn:
        for i in range(6):  # the last one's holding matures a day later: not in this notice
            cid = add_customer(conn, name=f"客{i}", tier="ABCP"[i % 4], birthday="1990-05-05", calendar="lunar",
                               leap=i % 2 == 0, opted_out=i == 4)
            add_holding(conn, cid, 10_000 * (i + 1), "6m", date(2024, 12, 7 if i < 5 else 8))
    planner = Planner.from_settings(app.settings)
    campaign = load_campaign(playbook / "holding_notices.toml")
    occurrence = next(o for o in occurrences(campaign, date(2025, 5, 31), planner.calendar) if o.step == "maturity_7d")
    with app.engine.connect() as conn:
        selected = audience.select_audience(conn, campaign, occurrence, planner.policy)
        pages = list(audience.stream_audience(conn, campaign, occurrence, planner.policy, page=page))
    streamed = [c for p in pages for c in p]
    assert [len(p) for p in pages] == [min(page, 5 - n) for n in range(0, 5, page)]
    key = lambda c: c.customer["id"]  # noqa: E731
    assert sorted(streamed, key=key) == sorted(selected, key=key)
    assert {c.extra["maturity_on"] for c in streamed} == {date(2025, 6, 7)}
    assert sorted((c.customer["birth_leap"], c.reason or "") for c in streamed) == [
        (False, ""), (False, ""), (True, ""), (True, ""), (True, "opted_out")]


def test_a_capacity_limited_occurrence_cannot_be_streamed(app, playbook):
    from campaigns import audience
    from campaigns.definitions import load_campaign
    from campaigns.occurrences import occurrences

    planner = Planner.from_settings(app.settings)
    campaign = load_campaign(playbook / "salons.toml")
    occurrence = occurrences(campaign, date(2025, 6, 2), planner.calendar)[0]
    with app.engine.connect() as conn, pytest.raises(ValueError, match="select_limited"):
        next(audience.stream_audience(conn, campaign, occurrence, planner.policy))


def test_bulk_insert_converts_shared_values_once_and_ignores_duplicates(app):
    from records.bulk import BulkInserter

    with app.engine.begin() as conn:
        cid = add_customer(conn, name="甲")
        common = {"campaign_id": "c", "occurrence_on": date(2025, 6, 2), "step": "s", "message_class": "notice",
                  "due_at": NOW, "planned_at": NOW, "updated_at": NOW}
        columns = ("key", "customer_id", "phone", "body", "state", "final_at")
        with BulkInserter(conn, models.OutboxMessage.__table__, common, columns, batch=2) as bulk:
            for n in range(3):
                bulk.add((f"k{n}", cid, "+8613900000001", f"正文{n}", "planned", None))
            bulk.add(("k0", cid, "+8613900000001", "重复", "suppressed", NOW))  # the same key: dropped
        assert bulk.written == 4
    rows = outbox(app)
    assert [(r["key"], r["body"], r["state"]) for r in rows] == [("k0", "正文0", "planned"), ("k1", "正文1", "planned"),
                                                              ("k2", "正文2", "planned")]
    assert {(r["due_at"], r["occurrence_on"], r["attempts"], r["segments"], r["tier"]) for r in rows} == {
        (NOW, date(2025, 6, 2), 0, 1, "P")}  # shared values as given; left-out columns take their defaults


@pytest.mark.parametrize("stores, expected", [('["南京路店"]', "南京路店"), ('["南京路店", "淮海路店"]', ""), (None, "")],
                         ids=["one-store", "two-stores", "every-store"])
def test_an_event_belongs_to_the_store_its_campaign_audience_names(app, playbook, stores, expected):
    salons = playbook / "salons.toml"
    if stores:
        text = salons.read_text(encoding="utf-8").replace("[audience]\n", f"[audience]\nstores = {stores}\n", 1)
        salons.write_text(text, encoding="utf-8")
    with app.engine.begin() as conn:
        add_customer(conn, name="甲", tier="A")  # of 南京路店, like every factory customer
    plan(app, date(2025, 6, 2), "salons")
    with app.engine.connect() as conn:
        assert conn.execute(select(models.Event.store)).scalar_one() == expected
