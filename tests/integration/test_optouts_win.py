"""Opt-outs win everywhere: a stranger's 退订 applies when the number becomes a customer, and a claimed
message is not sent once its customer's opt-out is committed (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day
from messaging.dispatch import send_due_messages
from messaging.gateways import OutgoingSms, RecordingGateway, SendResult
from messaging.optouts import opt_out
from messaging.ratelimit import Unlimited
from messaging.replies import record_reply
from records import models
from records.importing import ImportOptions, import_file
from records.transactions import write_transaction
from tests.factories import NOW, add_customer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
STRANGER = "+8613900001111"
customers_t, outbox_t, events_t = models.Customer.__table__, models.OutboxMessage.__table__, models.OptOutEvent.__table__


def reply(app, phone: str, body: str, sid: str, at: datetime = NOW) -> None:
    with write_transaction(app.engine) as conn:
        record_reply(conn, sid, phone, body, at)


def customer_row(app, phone: str):
    with app.engine.connect() as conn:
        return conn.execute(select(customers_t).where(customers_t.c.phone == phone)).mappings().one()


# --- a 退订 before the number is a customer ----------------------------------------------------------

def test_a_td_from_a_stranger_opts_out_the_customer_imported_later(app, make_csv):
    reply(app, STRANGER, "TD", "SM-stranger")
    path = make_csv("customers.csv", "phone,name\n13900001111,王芳\n13900002222,李娜\n")

    import_file(app.engine, "customers", path, ImportOptions(now=NOW + timedelta(days=1)))

    wang, li = customer_row(app, STRANGER), customer_row(app, "+8613900002222")
    assert (wang["opted_out"], wang["opted_out_at"]) == (True, NOW)
    assert li["opted_out"] is False
    with app.engine.connect() as conn:  # the stranger's opt-out event now names the customer
        assert conn.execute(select(events_t.c.customer_id).where(events_t.c.phone == STRANGER)).scalar_one() == wang["id"]


def test_an_opt_in_after_the_strangers_opt_out_leaves_the_imported_customer_textable(app, make_csv):
    reply(app, STRANGER, "退订", "SM-1")
    reply(app, STRANGER, "订阅", "SM-2", NOW + timedelta(minutes=5))
    import_file(app.engine, "customers", make_csv("c.csv", "phone,name\n13900001111,王芳\n"), ImportOptions(now=NOW))
    assert customer_row(app, STRANGER)["opted_out"] is False


@pytest.fixture
def playbook(site: Path) -> Path:
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    return site.parent / "campaigns"


def test_planning_skips_a_phone_opted_out_before_it_became_a_customer(app, playbook):
    reply(app, STRANGER, "退订", "SM-stranger")
    with app.engine.begin() as conn:  # a walk-in or a direct insert: the customer flag was never set
        stranger = add_customer(conn, STRANGER, name="王芳", tier="A")
        other = add_customer(conn, name="李娜", tier="A")
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    assert problems == []
    with app.engine.begin() as conn:
        plan_day(conn, Planner.from_settings(app.settings), [c for c in campaigns if c.id == "salons"],
                 date(2025, 6, 2), NOW)
    with app.engine.connect() as conn:
        planned = {r.customer_id: r.state for r in conn.execute(select(outbox_t.c.customer_id, outbox_t.c.state))}
    assert planned.get(stranger) in (None, "suppressed") and planned[other] == "planned"


# --- a message claimed before the opt-out is committed -------------------------------------------------

class OptOutOthersGateway(RecordingGateway):
    """While sending the first text, commits opt-outs for the other customers of the claim (as their replies would)."""

    def __init__(self, engine, others: list[tuple[int, str]]):
        super().__init__()
        self.engine, self.others = engine, others

    def send(self, sms: OutgoingSms) -> SendResult:
        with write_transaction(self.engine) as conn:
            for customer_id, phone in self.others:
                opt_out(conn, customer_id, phone, "sms", NOW, "reply while the dispatcher held the claim")
        self.others = []
        return super().send(sms)


def test_a_claimed_message_is_not_sent_once_its_customer_has_opted_out(app):
    people = []
    with app.engine.begin() as conn:
        for n in range(4):
            phone = f"+861370000{n:04d}"
            people.append((add_customer(conn, phone), phone))
        for n, (customer_id, phone) in enumerate(people):
            conn.execute(insert(outbox_t).values(
                key=f"k{n}", campaign_id="salons", occurrence_on=date(2025, 6, 2), step="invite", customer_id=customer_id,
                phone=phone, body=f"邀请 {n} 回T退订", message_class="marketing", state="planned", due_at=NOW - timedelta(minutes=n),
                planned_at=NOW - timedelta(hours=1)))
    order = list(reversed(people))  # claimed oldest due first
    gateway = OptOutOthersGateway(app.engine, order[1:])
    settings = dataclasses.replace(app.settings, sms=dataclasses.replace(app.settings.sms, concurrency=1))

    summary = send_due_messages(app.engine, gateway, settings, NOW, worker="w1", limiter=Unlimited())

    assert [sms.to for sms in gateway.sent] == [order[0][1]]  # the others opted out after the claim, before their send
    assert (summary.sent, summary.suppressed["opted_out"]) == (1, 3)
    with app.engine.connect() as conn:
        states = dict(conn.execute(select(outbox_t.c.phone, outbox_t.c.state)).all())
        reasons = set(conn.execute(select(outbox_t.c.reason).where(outbox_t.c.state == "suppressed")).scalars())
    assert states == {order[0][1]: "sent", **{phone: "suppressed" for _c, phone in order[1:]}}
    assert reasons == {"opted_out"}


def test_a_claimed_message_to_a_phone_opted_out_as_a_stranger_is_not_sent(app):
    with app.engine.begin() as conn:
        customer_id = add_customer(conn, STRANGER)
        conn.execute(insert(outbox_t).values(
            key="k", campaign_id="salons", occurrence_on=date(2025, 6, 2), step="invite", customer_id=customer_id,
            phone=STRANGER, body="邀请 回T退订", message_class="notice", state="planned", due_at=NOW, planned_at=NOW))
    with write_transaction(app.engine) as conn:  # recorded against the phone only, the customer flag unset
        opt_out(conn, None, STRANGER, "sms", NOW, "")
    gateway = RecordingGateway()
    summary = send_due_messages(app.engine, gateway, app.settings, NOW, worker="w1", limiter=Unlimited())
    assert gateway.sent == [] and summary.suppressed["opted_out"] == 1
