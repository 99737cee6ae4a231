"""Reconciling with the provider: what became of messages stuck in 'sending', and of 'sent' ones never reported.

A message stays in 'sending' when its process died, or lost the database, between the claim and recording
the gateway's answer, or when the gateway could not tell whether the text left. ``reconcile_stuck`` asks
the provider (the gateway's ``find_sent``) about each one:

- found: it was sent; it becomes 'sent' with the provider's id (a failed report then applies);
- nothing found by a query made at least ``[sms] reconcile_after_minutes`` after the claim: it never
  left, so it goes back to 'planned', due now; an earlier "nothing" proves nothing (provider lists lag);
- nothing found yet: it stays in 'sending' until a later run;
- the provider cannot answer (a gateway without ``find_sent``, an error): it stays for staff
  (`jinli outbox stuck`), with the reason.

Every move names the state and claim time it leaves, so a dispatcher that records the message meanwhile,
or another daemon reconciling it, wins and nothing moves twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import Connection, Engine, select, update

from messaging.gateways import SentRecord
from messaging.outbox import apply_status
from domain.phone import mask, mask_in_text
from messaging.review import STUCK_AFTER
from records import models
from records.transactions import write_transaction
from settings import SmsSettings

log = logging.getLogger("jinli.outbox")
outbox_t = models.OutboxMessage.__table__
FINAL_REPORTS = ("delivered", "undelivered", "failed")
CANNOT_ANSWER = "; provider cannot answer: "
STUCK_OUTCOMES = ("sent", "planned", "waiting", "review", "moved")


def reconcile_stuck(engine: Engine, gateway, now: datetime, sms: SmsSettings, *,
                    older_than: timedelta = STUCK_AFTER, limit: int = 5000) -> Counter:
    """Ask the provider about each message in 'sending' since before ``now - older_than``; counts by outcome.

    Outcomes: 'sent', 'planned' (again, due now), 'waiting' (asked too early), 'review' (the provider
    cannot answer) and 'moved' (someone else settled it meanwhile).
    """
    o = outbox_t.c
    query = (select(o.id, o.phone, o.body, o.sending_at, o.reason).where(o.state == "sending", o.sending_at <= now - older_than)
             .order_by(o.sending_at, o.id).limit(limit))
    with engine.connect() as conn:
        stuck = conn.execute(query).mappings().all()
    tally = Counter({outcome: 0 for outcome in STUCK_OUTCOMES})
    for message in stuck:
        tally[settle(engine, message, ask_provider(gateway, message, now), now, sms)] += 1
    if stuck:
        log.info("reconcile: %s messages stuck in sending: %s", len(stuck), ", ".join(f"{k} {v}" for k, v in tally.items()))
    return tally


def ask_provider(gateway, message: Mapping, now: datetime) -> list[SentRecord] | str:
    """What the provider sent for ``message`` since its claim, or why it cannot say."""
    find = getattr(gateway, "find_sent", None)
    if find is None:
        return f"the {getattr(gateway, 'name', 'configured')} gateway keeps no list of what it sent"
    try:
        found = find(message_id=message["id"], phone=message["phone"], body=message["body"],
                     since=message["sending_at"], until=now)
    except Exception as exc:  # noqa: BLE001 - any failure to answer leaves the message for staff
        log.warning("reconcile: message %s to %s: %s", message["id"], mask(message["phone"]), describe_error(exc))
        return describe_error(exc)
    return "no answer from the provider" if found is None else found


def settle(engine: Engine, message: Mapping, answer: list[SentRecord] | str, now: datetime, sms: SmsSettings) -> str:
    """Apply the provider's answer to one stuck message; returns the outcome (see ``reconcile_stuck``)."""
    late_enough = now - message["sending_at"] >= timedelta(minutes=sms.reconcile_after_minutes)
    if answer == [] and not late_enough:
        return "waiting"
    with write_transaction(engine) as conn:
        if isinstance(answer, str):
            return _leave_for_review(conn, message, answer, now)
        found = _not_claimed_elsewhere(conn, message, answer)
        if found:
            return _mark_sent(conn, message, found[0], now)
        return _plan_again(conn, message, now, sms) if late_enough else "waiting"


def _not_claimed_elsewhere(conn: Connection, message: Mapping, found: list[SentRecord]) -> list[SentRecord]:
    """The records no other outbox row already owns: an id recorded for another message is not this one."""
    if not found:
        return []
    o = outbox_t.c
    ids = [r.provider_id for r in found]
    owned = set(conn.execute(select(o.provider_id).where(o.provider_id.in_(ids), o.id != message["id"])).scalars())
    return [r for r in found if r.provider_id not in owned]


def _still_stuck(message: Mapping):
    o = outbox_t.c
    return update(outbox_t).where(o.id == message["id"], o.state == "sending", o.sending_at == message["sending_at"])


def _mark_sent(conn: Connection, message: Mapping, record: SentRecord, now: datetime) -> str:
    moved = conn.execute(_still_stuck(message).values(
        state="sent", provider_id=record.provider_id, sent_at=record.sent_at or now, reason=None, error_code=None,
        updated_at=now)).rowcount
    if moved and record.status in FINAL_REPORTS:
        apply_status(conn, record.provider_id, record.status, None, now)
    return "sent" if moved else "moved"


def _plan_again(conn: Connection, message: Mapping, now: datetime, sms: SmsSettings) -> str:
    reason = f"not found at the provider {sms.reconcile_after_minutes}+ minutes after the claim: planned again"
    moved = conn.execute(_still_stuck(message).values(
        state="planned", due_at=now, claimed_by=None, reason=reason, updated_at=now)).rowcount
    return "planned" if moved else "moved"


def _leave_for_review(conn: Connection, message: Mapping, why: str, now: datetime) -> str:
    before = (message["reason"] or "no answer recorded").split(CANNOT_ANSWER)[0]
    moved = conn.execute(_still_stuck(message).values(reason=before + CANNOT_ANSWER + why, updated_at=now)).rowcount
    return "review" if moved else "moved"


def describe_error(exc: Exception) -> str:
    """One line about ``exc``: its type and first line, phone numbers masked (no SQL parameters, no traceback)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return mask_in_text(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)[:300]


def reconcile(engine: Engine, gateway, now: datetime, *, quiet_for: timedelta = timedelta(hours=1),
              limit: int = 500, region: str = "CN") -> dict[str, int]:
    """For 'sent' messages silent for ``quiet_for``, fetch the provider's status; counts by result.

    Gateways without delivery reports (console, file) have no ``fetch_status``: nothing to do.
    """
    counts = {"checked": 0, "updated": 0, **pull_reports(engine, gateway, now, quiet_for=quiet_for, limit=limit, region=region)}
    fetch = getattr(gateway, "fetch_status", None)
    if fetch is None:
        return counts
    o = outbox_t.c
    with engine.connect() as conn:
        silent = conn.execute(select(o.provider_id).where(o.state == "sent", o.sent_at < now - quiet_for,
                                                           o.provider_id.is_not(None)).limit(limit)).scalars().all()
    for provider_id in silent:
        counts["checked"] += 1
        report = fetch(provider_id)
        if report and report[0] in FINAL_REPORTS:
            with write_transaction(engine) as conn:
                counts["updated"] += apply_status(conn, provider_id, report[0], report[1], now) == "updated"
    log.info("reconcile: %s", counts)
    return counts


PULL_WINDOW = timedelta(days=3)  # receipts come within hours; Aliyun keeps QuerySendDetails for 30 days


def pull_reports(engine: Engine, gateway, now: datetime, *, quiet_for: timedelta, limit: int,
                 region: str = "CN") -> dict[str, int]:
    """Receipts and replies whose callback never came, pulled from the domestic providers (Aliyun, Tencent).

    Idempotent with the callbacks: a receipt already applied, or a reply already recorded, changes nothing.
    Counts 'pulled_receipts' applied and 'pulled_replies' newly recorded.
    """
    # Only gateways that can pull need these; the invitation handlers make a pulled 1 / 2 count like a pushed one.
    import records.invitation_replies  # noqa: F401
    from messaging.domestic_callbacks import apply_receipts, record_replies

    counts = {"pulled_receipts": 0, "pulled_replies": 0}
    if getattr(gateway, "pull_receipts", None):
        receipts = _ask("receipts", lambda: gateway.pull_receipts(_silent(engine, now, quiet_for, limit)))
        with write_transaction(engine) as conn:
            counts["pulled_receipts"] = apply_receipts(conn, receipts, now)["updated"]
    if getattr(gateway, "pull_replies", None):
        replies = _ask("replies", gateway.pull_replies)
        with write_transaction(engine) as conn:
            tally = record_replies(conn, replies, now, region)
        counts["pulled_replies"] = sum(n for intent, n in tally.items() if intent != "repeated")
    return counts


def _silent(engine: Engine, now: datetime, quiet_for: timedelta, limit: int) -> list[dict]:
    """'sent' messages of the last few days without a final receipt after ``quiet_for``: what Aliyun is asked about."""
    o = outbox_t.c
    query = (select(o.id, o.phone, o.sent_at).where(o.state == "sent", o.sent_at < now - quiet_for,
                                                     o.sent_at > now - PULL_WINDOW).order_by(o.sent_at).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _ask(what: str, pull) -> list:
    try:
        return pull()
    except Exception as exc:  # noqa: BLE001 - the provider cannot answer now: the next run asks again
        log.warning("reconcile: pulling %s: %s", what, describe_error(exc))
        return []
