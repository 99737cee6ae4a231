"""The reconciler asks the provider about messages stuck in 'sending'; staff resolve the rest, many at a time."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from datetime import date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import insert, select

from app import App
from messaging.dispatch import send_due_messages
from messaging.gateways import FileGateway, OutgoingSms, RecordingGateway
from messaging.ratelimit import Unlimited
from messaging.reconcile import reconcile_stuck
from records import models
from schedules.daemon import Daemon, DaemonOptions
from tests.factories import NOW, add_customer

pytestmark = pytest.mark.integration

_seq = count(1)
outbox_t = models.OutboxMessage.__table__


def stuck(app, *, campaign: str = "salons", claimed_at: datetime = NOW, body: str | None = None) -> int:
    """A message a dead dispatcher left in 'sending' (claimed at ``claimed_at``), to a customer of its own."""
    n = next(_seq)
    phone = f"+86139{n:08d}"
    with app.engine.begin() as conn:
        customer_id = add_customer(conn, phone)
        values = dict(key=f"{campaign}·{n}", campaign_id=campaign, occurrence_on=date(2025, 6, 2), step="invite",
                      customer_id=customer_id, phone=phone, body=body or f"第{n}号短信", message_class="notice",
                      state="sending", attempts=1, claimed_by="dead", due_at=claimed_at, planned_at=claimed_at,
                      sending_at=claimed_at)
        return conn.execute(insert(outbox_t).values(values)).inserted_primary_key[0]


def row(app, message_id: int):
    with app.engine.connect() as conn:
        return conn.execute(select(outbox_t).where(outbox_t.c.id == message_id)).mappings().one()


def as_sms(app, message_id: int) -> OutgoingSms:
    r = row(app, message_id)
    return OutgoingSms(message_id, r["phone"], r["body"])


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


class Unanswering:
    """A gateway whose provider cannot say what it sent: no list, or None, or an error."""

    def __init__(self, name: str, answer):
        self.name, self._answer = name, answer
        if answer != "no find_sent":
            self.find_sent = self._find

    def _find(self, **_):
        if isinstance(self._answer, Exception):
            raise self._answer
        return self._answer

    def send(self, sms):
        raise AssertionError("the reconciler never sends")


# --- the reconciler ---------------------------------------------------------------------------------

def test_stuck_messages_the_provider_has_become_sent_and_the_rest_are_planned_again_only_after_the_wait(app):
    delivered_before_crash, never_left = stuck(app), stuck(app)
    gateway = RecordingGateway()
    gateway.send(as_sms(app, delivered_before_crash))  # the provider took it; the crash lost its answer

    early = reconcile_stuck(app.engine, gateway, at(6), app.settings.sms)
    assert (early["sent"], early["waiting"], early["planned"]) == (1, 1, 0)
    assert (row(app, delivered_before_crash)["state"], row(app, delivered_before_crash)["provider_id"]) == ("sent", "FAKE000001")
    assert row(app, never_left)["state"] == "sending"  # 6 minutes: the provider's list may lag

    later = reconcile_stuck(app.engine, gateway, at(10), app.settings.sms)
    assert (later["sent"], later["planned"], later["waiting"]) == (0, 1, 0)
    r = row(app, never_left)
    assert (r["state"], r["due_at"], r["claimed_by"]) == ("planned", at(10), None)
    assert "not found at the provider" in r["reason"]

    send_due_messages(app.engine, gateway, app.settings, at(10), worker="w2", limiter=Unlimited())
    assert sorted((s.to, s.body) for s in gateway.sent) == sorted(
        (row(app, i)["phone"], row(app, i)["body"]) for i in (delivered_before_crash, never_left))  # each once
    assert {row(app, i)["state"] for i in (delivered_before_crash, never_left)} == {"sent"}


def test_reconcile_after_minutes_is_the_configured_wait(app):
    message_id = stuck(app)
    sms = dataclasses.replace(app.settings.sms, reconcile_after_minutes=30)
    assert reconcile_stuck(app.engine, RecordingGateway(), at(29), sms)["waiting"] == 1
    assert reconcile_stuck(app.engine, RecordingGateway(), at(30), sms)["planned"] == 1
    assert row(app, message_id)["state"] == "planned"


def test_a_provider_record_owned_by_another_message_is_not_taken_for_this_one(app):
    body = "同一条短信"
    first, second = stuck(app, body=body), stuck(app, body=body)
    with app.engine.begin() as conn:  # same number and text: the first was sent and recorded, the second stuck
        conn.execute(outbox_t.update().where(outbox_t.c.id == second).values(phone=row(app, first)["phone"]))
    gateway = RecordingGateway()
    gateway.send(as_sms(app, first))
    with app.engine.begin() as conn:
        conn.execute(outbox_t.update().where(outbox_t.c.id == first).values(state="sent", provider_id="FAKE000001"))
    assert reconcile_stuck(app.engine, gateway, at(10), app.settings.sms)["planned"] == 1
    assert (row(app, second)["state"], row(app, second)["provider_id"]) == ("planned", None)


@pytest.mark.parametrize("answer, why", [
    ("no find_sent", "the console gateway keeps no list of what it sent"),
    (None, "no answer from the provider"),
    (ConnectionError("provider down, was sending to +8613900000001"), "ConnectionError: provider down, was sending to 139****0001"),
], ids=["gateway without a list", "provider cannot say", "provider error"])
def test_only_what_the_provider_cannot_answer_is_left_for_staff_with_the_reason(app, answer, why, caplog):
    message_id = stuck(app)
    with caplog.at_level(logging.INFO, logger="jinli"):
        tally = reconcile_stuck(app.engine, Unanswering("console", answer), at(60), app.settings.sms)
    assert tally["review"] == 1
    r = row(app, message_id)
    assert (r["state"], r["reason"]) == ("sending", f"no answer recorded; provider cannot answer: {why}")
    reconcile_stuck(app.engine, Unanswering("console", answer), at(75), app.settings.sms)
    assert row(app, message_id)["reason"] == r["reason"]  # asked again: the reason is not repeated
    assert r["phone"] not in caplog.text


def test_a_message_claimed_less_than_five_minutes_ago_is_not_asked_about(app):
    message_id = stuck(app)
    tally = reconcile_stuck(app.engine, Unanswering("console", "no find_sent"), at(4), app.settings.sms)
    assert sum(tally.values()) == 0 and row(app, message_id)["reason"] is None


# --- the daemon --------------------------------------------------------------------------------------

def test_the_daemon_settles_stuck_messages_when_it_starts(app):
    sent_before_crash, never_left = stuck(app), stuck(app)
    gateway = RecordingGateway()
    gateway.send(as_sms(app, sent_before_crash))
    Daemon(app, gateway, DaemonOptions("restarted")).start(at(11))
    assert row(app, sent_before_crash)["state"] == "sent"
    assert row(app, never_left)["state"] == "sent"  # planned again, then sent by the start-up dispatch
    assert len(gateway.sent) == 2


def test_a_running_daemon_settles_what_a_crashed_one_left_within_its_wait_and_five_minutes(app):
    sent_before_crash, never_left = stuck(app), stuck(app)
    gateway = RecordingGateway()
    gateway.send(as_sms(app, sent_before_crash))
    daemon = Daemon(app, gateway, DaemonOptions("survivor"))
    ran = {minute: daemon.tick(at(minute)) for minute in range(0, 16)}
    assert row(app, sent_before_crash)["state"] == "sent"
    r = row(app, never_left)
    assert (r["state"], r["sent_at"], r["claimed_by"]) == ("sent", at(10), "survivor")  # settled at 10 min, sent in the same tick
    assert [m for m, jobs in ran.items() if "settle" in jobs] == [0, 5, 10, 15] and len(gateway.sent) == 2


@pytest.mark.parametrize("backend", ["sqlite"])  # a file to break; PostgreSQL outages: test_fault_injection.py
def test_a_daemon_whose_database_fails_at_start_logs_one_line_and_catches_up_at_the_next_dispatch(app, site, caplog):
    message_id = stuck(app)
    app.engine.dispose()
    database = site.parent / "jinli.sqlite3"
    shutil.copy(database, site.parent / "good.sqlite3")
    database.write_bytes(b"this is not a database" * 1000)
    gateway = RecordingGateway()
    daemon = Daemon(app, gateway, DaemonOptions("unlucky"))
    with caplog.at_level(logging.INFO, logger="jinli"):
        daemon.start(at(11))  # used to raise, and `jinli daemon` exited
    assert "start-up catch-up failed" in caplog.text and "Traceback" not in caplog.text
    assert daemon.catchup_pending

    app.engine.dispose()
    shutil.copy(site.parent / "good.sqlite3", database)
    daemon.dispatch(at(12))
    assert not daemon.catchup_pending
    assert row(app, message_id)["state"] == "sent" and len(gateway.sent) == 1


# --- the file gateway is its own record ------------------------------------------------------------------

def test_the_file_gateway_answers_from_its_file(app, tmp_path):
    message_id, other = stuck(app), stuck(app)
    gateway = FileGateway(tmp_path / "sent.jsonl")
    assert gateway.find_sent(message_id=message_id, phone="+8613900000000", body="x", since=NOW, until=at(1)) == []
    gateway.send(as_sms(app, message_id))
    r = row(app, message_id)
    [found] = gateway.find_sent(message_id=message_id, phone=r["phone"], body=r["body"], since=NOW, until=at(1))
    assert found.provider_id.startswith("FILE") and found.status == "sent"
    tally = reconcile_stuck(app.engine, gateway, at(10), app.settings.sms)
    assert (tally["sent"], tally["planned"]) == (1, 1)
    assert (row(app, message_id)["provider_id"], row(app, other)["state"]) == (found.provider_id, "planned")


# --- the command line ---------------------------------------------------------------------------------

def test_outbox_reconcile_prints_what_became_of_the_stuck_messages(app, site, cli, monkeypatch):
    sent_one, lost_one = stuck(app), stuck(app)
    FileGateway(site.parent / "sent.jsonl").send(as_sms(app, sent_one))  # the site's [sms] file_path
    monkeypatch.setenv("JINLI_NOW", at(11).isoformat())
    result = cli("outbox", "reconcile")
    assert result.exit_code == 0, result.output
    assert "已查到发出 1，重新排入 1，暂未查到（稍后再查） 0，留给员工处理（服务商无法回答） 0" in result.output
    assert (row(app, sent_one)["state"], row(app, lost_one)["state"]) == ("sent", "planned")


def test_outbox_resolve_takes_many_ids_in_one_transaction(app, cli, monkeypatch):
    ids = [stuck(app) for _ in range(3)]
    monkeypatch.setenv("JINLI_NOW", at(10).isoformat())
    result = cli("outbox", "resolve", *map(str, ids), "sent")
    assert result.exit_code == 0 and "3 条短信标记为已发送" in result.output
    assert {row(app, i)["state"] for i in ids} == {"sent"}

    more = [stuck(app) for _ in range(2)]
    refused = cli("outbox", "resolve", str(more[0]), str(ids[0]), "retry")  # ids[0] is sent already
    assert refused.exit_code == 1 and f"outbox message {ids[0]} is 'sent'" in refused.output
    assert row(app, more[0])["state"] == "sending"  # all or none
    single = cli("outbox", "resolve", str(more[1]), "retry")
    assert single.exit_code == 0 and f"短信 {more[1]}：重新排入，立即发送" in single.output


def test_outbox_resolve_by_campaign_by_claim_time_or_all(app, cli, monkeypatch):
    salons = [stuck(app, campaign="salons", claimed_at=at(m)) for m in (0, 20)]
    birthdays = stuck(app, campaign="birthdays")
    fresh = stuck(app, campaign="salons", claimed_at=at(58))  # claimed 2 minutes ago: may still be on its way
    monkeypatch.setenv("JINLI_NOW", at(60).isoformat())
    before = cli("outbox", "resolve", "--campaign", "salons", "--before", at(10).isoformat(), "retry")
    assert before.exit_code == 0 and "1 条短信重新排入" in before.output
    assert [row(app, i)["state"] for i in salons] == ["planned", "sending"]
    by_campaign = cli("outbox", "resolve", "--campaign", "salons", "sent")
    assert by_campaign.exit_code == 0 and "1 条短信标记为已发送" in by_campaign.output
    everything = cli("outbox", "resolve", "--all-stuck", "retry")
    assert everything.exit_code == 0 and "1 条短信重新排入" in everything.output
    assert (row(app, birthdays)["state"], row(app, fresh)["state"]) == ("planned", "sending")


@pytest.mark.parametrize("args", [("sent",), ("5", "--all-stuck", "sent"), ("--before", "yesterday", "sent")],
                         ids=["nothing chosen", "ids and a filter", "bad time"])
def test_outbox_resolve_refuses_unclear_choices(app, cli, args):
    result = cli("outbox", "resolve", *args)
    assert result.exit_code == 2 and "Traceback" not in result.output
