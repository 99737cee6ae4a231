"""Trigger campaigns: each kind fires on its records, once, only from the day the campaign was enabled."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from app import App
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from records import models, tiers
from schedules import loyalty_jobs
from settings import load_settings
from tests.factories import SHANGHAI, add_customer, add_event, add_holding, add_movement
from tests.integration.trigger_site import prepare, write_trigger

pytestmark = pytest.mark.integration
outbox_t = models.OutboxMessage.__table__


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI)


def scan(app: App, now: datetime) -> dict:
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    assert problems == []
    return loyalty_jobs.scan_triggers(app.engine, Planner.from_settings(app.settings), campaigns, now, "test")


def texts(app: App) -> list[tuple[str, str, str]]:
    """(customer name, step, body) of every planned or suppressed row, in id order."""
    c = models.Customer.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(c.name, outbox_t.c.step, outbox_t.c.body, outbox_t.c.state, outbox_t.c.key)
                            .join_from(outbox_t, models.Customer.__table__, c.id == outbox_t.c.customer_id)
                            .order_by(outbox_t.c.id)).all()
    return [(r.name, r.step, r.body) for r in rows]


def checkin(conn, customer_id: int, event_id: int, at: datetime, walk_in: bool = False) -> int:
    return conn.execute(insert(models.CheckIn.__table__).values(event_id=event_id, customer_id=customer_id, walk_in=walk_in,
                                                                checked_in_at=at)).inserted_primary_key[0]


def refer(conn, referrer: int, referee: int, on: date) -> int:
    return conn.execute(insert(models.Referral.__table__).values(referrer_id=referrer, referee_id=referee, source="staff",
                                                                 referred_on=on)).inserted_primary_key[0]


def test_a_converted_referral_thanks_the_referrer_once_with_the_friends_name(site, clock):
    write_trigger(site, "thanks", "referral_converted", "{{ customer.name }}您好，您推荐的{{ trigger.friend }}已成为我们的客户，"
                  "{{ trigger.gift }}已为您备好。", delay="0m")
    app = App(load_settings(site), clock=clock)
    day = date(2025, 6, 2)
    scan(app, local(day, 9))  # first seen enabled on 06-02
    with app.engine.begin() as conn:
        wang, li = add_customer(conn, name="王芳"), add_customer(conn, name="李娜")
        refer(conn, wang, li, day)
        add_holding(conn, li, 20000, "2m", day)
    scan(app, local(day, 10))
    scan(app, local(day, 10, 2))
    scan(app, local(day, 11))
    assert texts(app) == [("王芳", "referral_converted", "【金福金行】王芳您好，您推荐的李娜已成为我们的客户，足金小金豆已为您备好。回T退订")]
