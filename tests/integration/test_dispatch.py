"""send_due_messages on SQLite and PostgreSQL: who got which text, and what each outbox row says after."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from errors import GatewayError, InvalidValue, NotFound
from messaging.commands import outbox
from messaging.dispatch import send_due_messages
from messaging.gateways import FailureKind, OutgoingSms, RecordingGateway, SendError
from messaging.ratelimit import TokenBucket, Unlimited
from messaging.review import resolve, stuck_messages
from records import models
from records.db import make_engine
from tests.factories import NOW, add_customer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BODY = "【金福金行】张女士您好,周六沙龙邀您携友同来,随手礼已备好。回T退订"
NIGHT = datetime(2025, 6, 2, 14, 0, tzinfo=timezone.utc)  # 22:00 in Shanghai
_seq = count(1)


# --- helpers ------------------------------------------------------------------------------------

def customer(app, **extra) -> tuple[int, str]:
    """A customer and their phone."""
    phone = f"+86137{next(_seq):08d}"
    with app.engine.begin() as conn:
        return add_customer(conn, phone, **extra), phone


def plan(app, who: tuple[int, str], body: str = BODY, *, due_at: datetime = NOW, message_class: str = "marketing",
         state: str = "planned", sent_at: datetime | None = None, step: str = "invite") -> int:
    """An outbox row as the planner writes it (or, with ``state``/``sent_at``, as history)."""
    customer_id, phone = who
    n = next(_seq)
    values = dict(key=f"salons·2025-06-02·{customer_id}·{step}·{n}", campaign_id="salons", occurrence_on=date(2025, 6, 2),
                  step=step, customer_id=customer_id, phone=phone, body=body, message_class=message_class, state=state,
                  due_at=due_at, planned_at=due_at - timedelta(hours=1), sending_at=sent_at, sent_at=sent_at)
    with app.engine.begin() as conn:
        return conn.execute(insert(models.OutboxMessage.__table__).values(values)).inserted_primary_key[0]


def row(app, message_id: int):
    with app.engine.connect() as conn:
        t = models.OutboxMessage.__table__
        return conn.execute(select(t).where(t.c.id == message_id)).mappings().one()


def person(app, customer_id: int):
    with app.engine.connect() as conn:
        t = models.Customer.__table__
        return conn.execute(select(t).where(t.c.id == customer_id)).mappings().one()


def tweak(app, **sms):
    """The app's settings with some [sms] values changed."""
    return dataclasses.replace(app.settings, sms=dataclasses.replace(app.settings.sms, **sms))


def dispatch(app, gateway, now: datetime | None = None, settings=None, **options):
    return send_due_messages(app.engine, gateway, settings or app.settings, now or app.now(), worker="w1",
                             limiter=options.pop("limiter", Unlimited()), **options)


def sent_to(gateway: RecordingGateway) -> list[tuple[str, str]]:
    return sorted((sms.to, sms.body) for sms in gateway.sent)


# --- sending ------------------------------------------------------------------------------------

def test_each_due_message_is_sent_once_and_recorded(app):
    a, b = customer(app), customer(app)
    first, second = plan(app, a), plan(app, b, "到期提示", message_class="notice")
    later = plan(app, a, "下周的消息", due_at=NOW + timedelta(hours=1))
    gateway = RecordingGateway()

    summary = dispatch(app, gateway)

    assert sent_to(gateway) == sorted([(a[1], BODY), (b[1], "到期提示")])
    assert (summary.sent, summary.handled) == (2, 2)
    for message_id in (first, second):
        r = row(app, message_id)
        assert (r["state"], r["attempts"], r["claimed_by"], r["sending_at"], r["sent_at"]) == ("sent", 1, "w1", NOW, NOW)
        assert r["provider_id"].startswith("FAKE")
    assert row(app, later)["state"] == "planned"
    again = dispatch(app, gateway)
    assert (len(gateway.sent), again.handled) == (2, 0)


def test_the_status_callback_url_comes_from_the_public_base_url(app):
    plan(app, customer(app))
    gateway = RecordingGateway()
    settings = dataclasses.replace(app.settings, twilio=dataclasses.replace(
        app.settings.twilio, public_base_url="https://sms.example.com/jinli/"))
    dispatch(app, gateway, settings=settings)
    assert [sms.status_callback for sms in gateway.sent] == ["https://sms.example.com/jinli/twilio/status"]


def test_progress_limit_and_dry_run(app):
    ids = [plan(app, customer(app)) for _ in range(5)]
    gateway = RecordingGateway()

    preview = dispatch(app, gateway, dry_run=True)
    assert (preview.sent, gateway.attempted, {row(app, i)["state"] for i in ids}) == (5, [], {"planned"})

    seen = []
    summary = dispatch(app, gateway, limit=3, batch_size=2, on_progress=lambda done, total: seen.append((done, total)))
    assert summary.sent == 3 and len(gateway.sent) == 3
    assert seen[-1] == (3, 3) and seen == sorted(seen) and {total for _, total in seen} == {3}
    assert sorted(row(app, i)["state"] for i in ids) == ["planned", "planned", "sent", "sent", "sent"]


def test_the_rate_limit_spaces_the_sends(app):
    for _ in range(5):
        plan(app, customer(app))
    slept: list[float] = []
    limiter = TokenBucket(10, monotonic=lambda: 0.0, sleep=slept.append)  # a clock that never moves
    assert dispatch(app, RecordingGateway(), limiter=limiter).sent == 5
    assert sorted(slept) == pytest.approx([0.1, 0.2, 0.3, 0.4])


# --- claims, and outcomes recorded as they come back ------------------------------------------------

def test_limit_is_honoured_exactly_across_claims(app):
    ids = _many_planned(app, 100)
    gateway = RecordingGateway()
    summary = dispatch(app, gateway, settings=tweak(app, claim_size=20), limit=45)
    assert summary.sent == len(gateway.sent) == 45
    assert sorted(s.message_id for s in gateway.sent) == ids[:45]  # oldest first
    states = [row(app, i)["state"] for i in ids]
    assert states.count("sent") == 45 and states.count("planned") == 55


class BlockFirstGateway(RecordingGateway):
    """Holds its first send until the test lets it go."""

    def __init__(self):
        super().__init__()
        self.entered, self.go = threading.Event(), threading.Event()
        self._first = True

    def send(self, sms):
        with self._lock:
            first, self._first = self._first, False
        if first:
            self.entered.set()
            assert self.go.wait(20)
        return super().send(sms)


def _states(app) -> dict[str, int]:
    from collections import Counter

    with app.engine.connect() as conn:
        t = models.OutboxMessage.__table__
        return dict(Counter(conn.execute(select(t.c.state)).scalars()))


def test_claim_size_bounds_the_messages_committed_as_sending_ahead_of_the_gateway(app):
    ids = _many_planned(app, 30)
    gateway = BlockFirstGateway()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(dispatch, app, gateway, settings=tweak(app, claim_size=7, concurrency=1))
        try:
            assert gateway.entered.wait(20)
            assert _states(app) == {"sending": 7, "planned": 23}  # one claim, committed before the first send
        finally:
            gateway.go.set()
        summary = running.result(timeout=30)
    assert summary.sent == 30 and sorted(s.message_id for s in gateway.sent) == ids
    assert _states(app) == {"sent": 30}


class FailsOnThird(RecordingGateway):
    """Raises ``error`` on its third send, whichever message that is."""

    def __init__(self, error: Exception):
        super().__init__()
        self.error, self.calls, self.failed_id = error, 0, None

    def send(self, sms):
        with self._lock:
            self.calls += 1
            if self.calls == 3:
                self.failed_id = sms.message_id
                raise self.error
        return super().send(sms)


@pytest.mark.parametrize("error, state, label", [
    (RuntimeError("a bug after the request may have left"), "sending", "stuck"),
    (SendError("twilio: Twilio error 21617", kind=FailureKind.PERMANENT, code="21617"), "failed", "failed"),
], ids=["unexpected exception", "refused"])
def test_one_failing_send_in_a_claim_leaves_every_other_outcome_recorded(app, error, state, label):
    ids = _many_planned(app, 120)
    gateway = FailsOnThird(error)
    summary = dispatch(app, gateway, settings=tweak(app, claim_size=200, concurrency=4))
    assert (summary.sent, getattr(summary, label), summary.handled) == (119, 1, 120)
    assert row(app, gateway.failed_id)["state"] == state
    assert sorted(s.message_id for s in gateway.sent) == sorted(set(ids) - {gateway.failed_id})
    assert _states(app) == {"sent": 119, state: 1}


def test_stop_mid_claim_finishes_the_sends_under_way_and_puts_the_rest_back(app):
    ids = _many_planned(app, 100)
    gateway = RecordingGateway()
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(gateway.sent) >= 10

    summary = dispatch(app, gateway, settings=tweak(app, claim_size=100, concurrency=3), stop=stop)
    sent_ids = {s.message_id for s in gateway.sent}
    assert 10 <= summary.sent == len(sent_ids) < 100 and summary.handled == summary.sent
    after = {i: row(app, i) for i in ids}
    assert {i for i, r in after.items() if r["state"] == "sent"} == sent_ids
    assert {r["state"] for i, r in after.items() if i not in sent_ids} == {"planned"}  # nothing left in 'sending'
    assert {(r["attempts"], r["claimed_by"], r["sending_at"]) for i, r in after.items() if i not in sent_ids} \
        == {(0, None, None)}  # as they were before the claim

    rest = RecordingGateway()
    assert dispatch(app, rest).sent == 100 - summary.sent
    assert sorted([*sent_ids, *(s.message_id for s in rest.sent)]) == sorted(ids)  # each exactly once


def test_cap_and_repeats_count_messages_of_earlier_claims_still_in_flight(app):
    busy, twin = customer(app), customer(app)
    capped = [plan(app, busy, f"第{n}条") for n in range(3)]
    twins = [plan(app, twin, "同一条", step=f"s{n}") for n in range(2)]
    gateway = RecordingGateway()
    summary = dispatch(app, gateway, settings=tweak(app, claim_size=1, weekly_cap=2))
    assert [row(app, i)["state"] for i in capped] == ["sent", "sent", "suppressed"]
    assert [row(app, i)["state"] for i in twins] == ["sent", "suppressed"]
    assert (summary.sent, dict(summary.suppressed)) == (3, {"cap": 1, "duplicate_text": 1})


# --- suppressed at send time ----------------------------------------------------------------------

def test_opted_out_and_invalid_numbers_are_suppressed(app):
    gone = customer(app, opted_out=True, opted_out_at=NOW - timedelta(hours=1))
    bad = customer(app, phone_status="invalid")
    fine = customer(app)
    ids = {"gone": plan(app, gone), "bad": plan(app, bad, message_class="notice"), "fine": plan(app, fine)}
    gateway = RecordingGateway()

    summary = dispatch(app, gateway)

    assert sent_to(gateway) == [(fine[1], BODY)]
    assert dict(summary.suppressed) == {"opted_out": 1, "invalid_phone": 1}
    assert (row(app, ids["gone"])["state"], row(app, ids["gone"])["reason"]) == ("suppressed", "opted_out")
    assert (row(app, ids["bad"])["state"], row(app, ids["bad"])["reason"]) == ("suppressed", "invalid_phone")
    assert row(app, ids["bad"])["final_at"] == NOW and row(app, ids["bad"])["attempts"] == 0


def test_the_weekly_cap_counts_marketing_sent_in_the_last_seven_days(app):
    busy, quiet = customer(app), customer(app)
    for days in (1, 3, 6):
        plan(app, busy, f"第{days}条", state="delivered", sent_at=NOW - timedelta(days=days))
    plan(app, busy, "八天前", state="sent", sent_at=NOW - timedelta(days=8))  # outside the window
    plan(app, quiet, "失败的", state="failed", sent_at=NOW - timedelta(days=1))  # never left: not counted
    plan(app, quiet, "一条", state="sent", sent_at=NOW - timedelta(days=2))
    capped = plan(app, busy)
    notice = plan(app, busy, "到期提示", message_class="notice")
    quiet_first, quiet_second, quiet_third = plan(app, quiet), plan(app, quiet, "另一条"), plan(app, quiet, "第三条")
    gateway = RecordingGateway()

    summary = dispatch(app, gateway)

    assert (row(app, capped)["state"], row(app, capped)["reason"]) == ("suppressed", "cap")
    assert row(app, notice)["state"] == "sent"  # notices are not capped
    assert [row(app, i)["state"] for i in (quiet_first, quiet_second, quiet_third)] == ["sent", "sent", "suppressed"]
    assert row(app, quiet_third)["reason"] == "cap"  # two sent in this very run count too
    assert summary.suppressed == {"cap": 2} and summary.sent == 3


def test_the_same_text_to_the_same_number_within_24_hours_is_suppressed(app):
    recent, old = customer(app), customer(app)
    plan(app, recent, state="sent", sent_at=NOW - timedelta(hours=23))
    plan(app, old, state="delivered", sent_at=NOW - timedelta(hours=25))
    repeat, allowed = plan(app, recent, step="reminder"), plan(app, old, step="reminder")
    twin = customer(app)
    twin_a, twin_b = plan(app, twin, "同一批里的重复"), plan(app, twin, "同一批里的重复", step="again")
    gateway = RecordingGateway()

    dispatch(app, gateway, settings=tweak(app, weekly_cap=10))

    assert (row(app, repeat)["state"], row(app, repeat)["reason"]) == ("suppressed", "duplicate_text")
    assert row(app, allowed)["state"] == "sent"
    assert [row(app, twin_a)["state"], row(app, twin_b)["reason"]] == ["sent", "duplicate_text"]
    assert len([s for s in gateway.sent if s.body == "同一批里的重复"]) == 1


def test_quiet_hours_defer_to_eight_the_next_morning(app):
    night_owl = customer(app)
    marketing = plan(app, night_owl, due_at=NIGHT - timedelta(minutes=30))
    notice = plan(app, customer(app), "到期提示", message_class="notice", due_at=NIGHT - timedelta(minutes=30))
    gateway = RecordingGateway()

    summary = dispatch(app, gateway, now=NIGHT)

    assert (summary.deferred, gateway.sent) == (2, [])
    morning = datetime(2025, 6, 3, 0, 0, tzinfo=timezone.utc)  # 08:00 in Shanghai
    assert [(row(app, i)["state"], row(app, i)["due_at"], row(app, i)["attempts"]) for i in (marketing, notice)] \
        == [("planned", morning, 0)] * 2
    assert dispatch(app, gateway, now=NIGHT + timedelta(hours=1)).handled == 0
    assert dispatch(app, gateway, now=morning).sent == 2


def test_notices_may_ignore_quiet_hours(app):
    notice = plan(app, customer(app), "到期提示", message_class="notice", due_at=NIGHT)
    marketing = plan(app, customer(app), due_at=NIGHT)
    summary = dispatch(app, RecordingGateway(), now=NIGHT, settings=tweak(app, notices_ignore_quiet_hours=True))
    assert (summary.sent, summary.deferred) == (1, 1)
    assert (row(app, notice)["state"], row(app, marketing)["state"]) == ("sent", "planned")


# --- what the gateway says ------------------------------------------------------------------------

def test_a_retryable_failure_backs_off_then_fails_after_max_attempts(app):
    who = customer(app)
    message_id = plan(app, who)
    gateway = RecordingGateway()
    gateway.fail_for(who[1], SendError("twilio: HTTP 429, Twilio error 20429: Too Many Requests",
                                       kind=FailureKind.RETRYABLE, code="20429"))
    settings = tweak(app, max_attempts=3, retry_base_seconds=30)

    assert dispatch(app, gateway, settings=settings).retried == 1
    assert (row(app, message_id)["state"], row(app, message_id)["due_at"]) == ("planned", NOW + timedelta(seconds=30))
    assert dispatch(app, gateway, now=NOW + timedelta(seconds=29), settings=settings).handled == 0
    dispatch(app, gateway, now=NOW + timedelta(seconds=30), settings=settings)
    assert row(app, message_id)["due_at"] == NOW + timedelta(seconds=90)  # 30 s later + 60 s
    summary = dispatch(app, gateway, now=NOW + timedelta(seconds=90), settings=settings)

    r = row(app, message_id)
    assert (summary.failed, r["state"], r["attempts"], r["error_code"]) == (1, "failed", 3, "20429")
    assert r["reason"].startswith("gave up after 3 attempts: twilio: HTTP 429")
    assert (len(gateway.attempted), gateway.sent) == (3, [])


def test_a_retry_that_succeeds(app):
    who = customer(app)
    message_id = plan(app, who)
    gateway = RecordingGateway()
    gateway.fail_for(who[1], GatewayError("provider 503", retryable=True), times=1)  # a GatewayError without kind
    dispatch(app, gateway)
    dispatch(app, gateway, now=NOW + timedelta(minutes=1))
    r = row(app, message_id)
    assert (r["state"], r["attempts"], r["reason"], r["error_code"], len(gateway.sent)) == ("sent", 2, None, None, 1)


def test_21610_fails_the_message_and_opts_the_customer_out(app):
    who = customer(app)
    first, other = plan(app, who), plan(app, who, "另一条", due_at=NOW + timedelta(hours=2))
    gateway = RecordingGateway()
    gateway.fail_for(who[1], SendError("twilio: HTTP 400, Twilio error 21610: unsubscribed recipient",
                                       kind=FailureKind.UNSUBSCRIBED, code="21610"))
    assert dispatch(app, gateway).failed == 1

    assert (row(app, first)["state"], row(app, first)["error_code"], row(app, first)["final_at"]) == ("failed", "21610", NOW)
    assert (person(app, who[0])["opted_out"], person(app, who[0])["opted_out_at"]) == (True, NOW)
    with app.engine.connect() as conn:
        events = conn.execute(select(models.OptOutEvent.__table__)).mappings().all()
    assert [(e["customer_id"], e["phone"], e["action"], e["source"]) for e in events] == [(who[0], who[1], "out", "provider")]
    dispatch(app, gateway, now=NOW + timedelta(hours=2))
    assert (row(app, other)["state"], row(app, other)["reason"], len(gateway.attempted)) == ("suppressed", "opted_out", 1)


@pytest.mark.parametrize("kind, code, phone_status", [
    (FailureKind.INVALID_NUMBER, "21211", "invalid"),
    (FailureKind.PERMANENT, "21617", "ok"),
])
def test_refused_messages_fail_and_an_invalid_number_is_remembered(app, kind, code, phone_status):
    who = customer(app)
    message_id = plan(app, who)
    gateway = RecordingGateway()
    gateway.fail_for(who[1], SendError(f"twilio: Twilio error {code}", kind=kind, code=code))
    dispatch(app, gateway)
    r = row(app, message_id)
    assert (r["state"], r["error_code"], r["reason"], r["final_at"]) == ("failed", code, f"twilio: Twilio error {code}", NOW)
    assert person(app, who[0])["phone_status"] == phone_status


# --- stuck in sending, and staff resolving it ----------------------------------------------------------

class ExplodingGateway:
    name = "exploding"

    def send(self, sms: OutgoingSms):
        raise RuntimeError("a bug after the request may have left")


@pytest.mark.parametrize("gateway, reason", [
    (lambda who: _failing(who, SendError("twilio: ReadTimeout", kind=FailureKind.UNKNOWN_OUTCOME)), "twilio: ReadTimeout"),
    (lambda who: ExplodingGateway(), "a bug after the request may have left"),
], ids=["unknown outcome", "unexpected exception"])
def test_an_unknown_outcome_stays_in_sending_for_staff(app, gateway, reason):
    who = customer(app)
    message_id = plan(app, who)
    summary = dispatch(app, gateway(who))
    assert summary.stuck == 1
    r = row(app, message_id)
    assert (r["state"], r["reason"], r["final_at"]) == ("sending", reason, None)
    with app.engine.connect() as conn:
        assert stuck_messages(conn, NOW + timedelta(minutes=4)) == []
        assert [m["id"] for m in stuck_messages(conn, NOW + timedelta(minutes=5))] == [message_id]
    assert dispatch(app, RecordingGateway(), now=NOW + timedelta(hours=1)).handled == 0  # never sent again by itself


def _failing(who, error) -> RecordingGateway:
    gateway = RecordingGateway()
    gateway.fail_for(who[1], error)
    return gateway


def test_staff_resolve_a_stuck_message_and_only_a_stuck_one(app):
    stuck, retried, done = (plan(app, customer(app), state="sending", sent_at=NOW) for _ in range(3))
    with app.engine.begin() as conn:
        resolve(conn, stuck, "sent", NOW + timedelta(minutes=10))
        resolve(conn, retried, "retry", NOW + timedelta(minutes=10))
    assert (row(app, stuck)["state"], row(app, stuck)["sent_at"]) == ("sent", NOW + timedelta(minutes=10))
    assert (row(app, retried)["state"], row(app, retried)["due_at"]) == ("planned", NOW + timedelta(minutes=10))
    gateway = RecordingGateway()
    dispatch(app, gateway, now=NOW + timedelta(minutes=10))
    assert [s.message_id for s in gateway.sent] == [retried]

    with app.engine.begin() as conn, pytest.raises(InvalidValue, match=rf"outbox message {stuck} is 'sent', not 'sending'"):
        resolve(conn, stuck, "retry", NOW)
    with app.engine.begin() as conn, pytest.raises(NotFound, match="outbox message 999999 not found"):
        resolve(conn, 999999, "sent", NOW)
    with app.engine.begin() as conn, pytest.raises(InvalidValue, match=rf"outbox message {done} has been sending only since"):
        resolve(conn, done, "retry", NOW + timedelta(minutes=4))  # may still be on its way
    assert row(app, done)["state"] == "sending"


@pytest.mark.timeout(60)
def test_a_dispatcher_killed_mid_send_never_sends_twice_and_leaves_the_message_for_staff(app, site, clock):
    who = customer(app)
    message_id = plan(app, who)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(ROOT / "tests/integration/blocking_dispatcher.py"), str(site),
                                NOW.isoformat()], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == f"sending {message_id}"  # the gateway has the message
        assert (row(app, message_id)["state"], row(app, message_id)["claimed_by"]) == ("sending", "doomed")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    clock.advance(minutes=10)
    gateway = RecordingGateway()
    assert dispatch(app, gateway).handled == 0 and gateway.attempted == []
    assert row(app, message_id)["state"] == "sending"

    runner = CliRunner()
    listed = runner.invoke(outbox, ["stuck"], obj=app, catch_exceptions=False)
    assert listed.exit_code == 0
    assert str(message_id) in listed.output and "137****" in listed.output and who[1] not in listed.output
    resolved = runner.invoke(outbox, ["resolve", str(message_id), "retry"], obj=app, catch_exceptions=False)
    assert resolved.exit_code == 0 and row(app, message_id)["state"] == "planned"
    refused = runner.invoke(outbox, ["resolve", str(message_id), "sent"], obj=app)
    assert isinstance(refused.exception, InvalidValue) and "'planned'" in str(refused.exception)


# --- several dispatchers on one PostgreSQL --------------------------------------------------------

def test_three_dispatchers_on_one_database_send_each_message_exactly_once(app, backend):
    ids = _many_planned(app, 2000)
    engines = [make_engine(app.settings.database_url) for _ in range(3)]
    gateways = [RecordingGateway() for _ in engines]
    start = threading.Barrier(len(engines))
    settings = tweak(app, claim_size=20)  # a hundred claims: each dispatcher gets turns, even on SQLite's one writer

    def run(i: int):
        start.wait()
        return send_due_messages(engines[i], gateways[i], settings, NOW, worker=f"d{i}", limiter=Unlimited())

    with ThreadPoolExecutor(len(engines)) as pool:
        summaries = [f.result() for f in [pool.submit(run, i) for i in range(len(engines))]]
    for engine in engines:
        engine.dispose()

    sent = [[sms.message_id for sms in g.sent] for g in gateways]
    assert sorted(sum(sent, [])) == sorted(ids)  # every message once: none twice, none missed
    assert [s.sent for s in summaries] == [len(s) for s in sent]  # each counts what it sent
    with app.engine.connect() as conn:
        t = models.OutboxMessage.__table__
        claimed = {by for (by,) in conn.execute(select(t.c.claimed_by).where(t.c.state == "sent"))}
    assert claimed == {f"d{i}" for i, mine in enumerate(sent) if mine}
    if backend == "postgresql":  # SKIP LOCKED shares the work; SQLite's one writer may serve one process throughout
        assert all(sent), [len(s) for s in sent]


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])  # SKIP LOCKED is PostgreSQL's
def test_on_postgresql_a_dispatcher_skips_messages_another_is_claiming(app, backend):
    ids = [plan(app, customer(app)) for _ in range(4)]
    gateway = RecordingGateway()
    t = models.OutboxMessage.__table__
    with app.engine.connect() as other, ThreadPoolExecutor(1) as pool:
        other.execute(select(t.c.id).where(t.c.id.in_(ids[:2])).with_for_update()).all()  # another dispatcher, mid-claim
        running = pool.submit(dispatch, app, gateway)  # on its own connection: must neither wait nor take them
        try:
            summary = running.result(timeout=20)
        finally:
            other.rollback()
    assert (summary.sent, sorted(s.message_id for s in gateway.sent)) == (2, ids[2:])
    assert [row(app, i)["state"] for i in ids] == ["planned", "planned", "sent", "sent"]


def _many_planned(app, n: int) -> list[int]:
    customers = [{"phone": f"+86136{i:08d}", "name": f"客户{i}", "referral_code": f"M{i:06d}", "created_at": NOW}
                 for i in range(n)]
    with app.engine.begin() as conn:
        conn.execute(insert(models.Customer.__table__), customers)
        c = models.Customer.__table__.c
        people = conn.execute(select(c.id, c.phone).order_by(c.id)).all()
        conn.execute(insert(models.OutboxMessage.__table__), [
            dict(key=f"bulk·{cid}", campaign_id="bulk", occurrence_on=date(2025, 6, 2), step="s", customer_id=cid,
                 phone=phone, body=f"第{cid}号", due_at=NOW, planned_at=NOW) for cid, phone in people])
        t = models.OutboxMessage.__table__
        return list(conn.execute(select(t.c.id)).scalars())
