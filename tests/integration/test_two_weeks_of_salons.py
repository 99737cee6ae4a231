"""Two simulated weeks of salons, end to end, and every number of the funnel, leaderboard and visits report.

The daemon plans and sends on a manual clock; replies and a delivery report arrive through the signed
Twilio webhooks; guests check in by code or phone; friends walk in with a referrer; their first
deposits arrive in the shop's holdings export. Hand count, salons from Thu 06-05 to Sat 06-14 (nine
salons, Sunday 06-08 has none), four old customers A, B, C, P invited to each (36 invitations; the
campaign targets old customers, so the walk-in friends are not invited):

| salon | replies (webhook)     | came                   | walk-ins                          |
|-------|-----------------------|------------------------|-----------------------------------|
| 06-05 | A "1", B "2", C "参加" | A (code), C (phone)    | W1 (referrer A)                   |
| 06-07 | A "1"                 | A (code)               | W2 (referrer A), W3 (referrer C)  |
| 06-09 |                       |                        | W1 again (second visit)           |
| 06-11 | P "1"                 | P (code), B (phone)    | W4 (referrer B)                   |
P's invitation to 06-05 is reported undelivered. W1 deposits ¥50,000 on 06-10, W2 ¥20,000 on 06-12.

invited 36 · delivered 35 · confirmed 5 (A, C; A; P, B — a guest who came counts as confirmed) ·
attended 5 · walk-ins 5 · referrals 4: W1→06-05 (A), W3→06-05 (C: his latest salon), W2→06-07 (A),
W4→06-11 (B) · referrers 4 (one per event and person) · converted 2 · deposits ¥70,000.
Leaderboard: A 2 referrals, 2 converted, ¥70,000; then B and C with 1 each. Visits: W2 1, W1 2.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app import App, ManualClock
from messaging.gateways.base import RecordingGateway
from records import models
from records.checkins import record_check_in, walk_in
from records.importing import ImportOptions, import_file
from schedules.daemon import Daemon, DaemonOptions
from settings import load_settings
from tests.factories import add_customer
from web.app import create_app

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
PUBLIC, TOKEN = "https://sms.example.com", "webhook-secret"
PHONES = {"A": "+8613900000001", "B": "+8613900000002", "C": "+8613900000003", "P": "+8613900000004"}
FRIENDS = {"W1": "+8613700000001", "W2": "+8613700000002", "W3": "+8613700000003", "W4": "+8613700000004"}


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, day, hh, mm, tzinfo=SH)


class Shop:
    """The simulated shop: site, clock, daemon, webhooks and the door."""

    def __init__(self, site: Path):
        self.site = site
        self.clock = ManualClock(at(2, 8))
        self.app = App(load_settings(site), clock=self.clock)
        self.gateway = RecordingGateway()
        self.daemon = Daemon(self.app, self.gateway, DaemonOptions("e2e"))
        self.web = create_app(self.app).test_client()
        self.ids: dict[str, int] = {}

    def run_until(self, until: datetime) -> None:
        while self.clock.current <= until:
            self.daemon.tick(self.clock.current)
            self.clock.advance(hours=1)
        self.clock.current = until

    def webhook(self, path: str, form: dict) -> int:
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)
        return self.web.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code

    def reply(self, who: str, body: str) -> None:
        sid = f"SMin{len(body)}{who}{self.clock.current:%d%H%M}"
        assert self.webhook("/twilio/inbound", {"From": PHONES[who], "Body": body, "MessageSid": sid}) == 200

    def code(self, who: str, day: int) -> str:
        with self.app.engine.connect() as conn:
            return conn.execute(select(models.Invitation.code).join(models.Event).where(
                models.Invitation.customer_id == self.ids[who], models.Event.key == f"salons·2025-06-{day:02d}")).scalar_one()

    def event_id(self, day: int) -> int:
        with self.app.engine.connect() as conn:
            return conn.execute(select(models.Event.id).where(models.Event.key == f"salons·2025-06-{day:02d}")).scalar_one()

    def check_in(self, who: str, day: int, by_code: bool, minute: int = 5) -> None:
        with self.app.engine.begin() as conn:
            record_check_in(conn, self.code(who, day) if by_code else PHONES[who], self.event_id(day), at(day, 14, minute),
                            SH, self.app.settings.events)

    def walk_in(self, friend: str, day: int, referrer: str | None, minute: int = 15) -> None:
        via = None if referrer is None else (PHONES[referrer] if referrer != "C" else self.referral_code("C"))
        with self.app.engine.begin() as conn:
            walk_in(conn, FRIENDS[friend], f"朋友{friend}", via, self.event_id(day), at(day, 14, minute), SH,
                    self.app.settings.events)

    def referral_code(self, who: str) -> str:
        with self.app.engine.connect() as conn:
            return conn.execute(select(models.Customer.referral_code).where(models.Customer.id == self.ids[who])).scalar_one()

    def deposit(self, friend: str, amount: int, day: int) -> None:
        path = self.site.parent / f"holdings-{friend}.csv"
        path.write_text(f"合同号,手机号,金额,期限,起息日\nH-{friend},{FRIENDS[friend]},{amount},2m,2025-06-{day:02d}\n",
                        encoding="utf-8")
        summary = import_file(self.app.engine, "holdings", path, ImportOptions(now=at(day, 18)))
        assert summary.imported == 1


@pytest.fixture
def shop(site: Path, monkeypatch) -> Shop:
    (site.parent / "campaigns").mkdir()
    salons = (REPO / "campaigns" / "salons.toml").read_text(encoding="utf-8")
    # Old customers only: the walk-in friends (new prospects) are not invited in the fortnight.
    salons = salons.replace('tiers = ["A", "B", "C", "P"]', 'tiers = ["A", "B", "C", "P"]\ncustomers = "old"')
    (site.parent / "campaigns" / "salons.toml").write_text(salons, encoding="utf-8")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    text = site.read_text(encoding="utf-8").replace("[sms]\n", "[sms]\nweekly_cap = 50\n")
    site.write_text(text + f'\n[twilio]\npublic_base_url = "{PUBLIC}"\n', encoding="utf-8")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    shop = Shop(site)
    with shop.app.engine.begin() as conn:
        for tier, phone in PHONES.items():
            shop.ids[tier] = add_customer(conn, phone, f"客户{tier}", tier=tier)
    return shop


def test_two_weeks_of_salons_end_to_end(shop, cli):
    shop.run_until(at(2, 11))  # Mon 10:00: invitations for Thu 06-05 sent
    with shop.app.engine.connect() as conn:
        undelivered = conn.execute(select(models.OutboxMessage.provider_id).where(
            models.OutboxMessage.customer_id == shop.ids["P"], models.OutboxMessage.step == "invitation")).scalar_one()
    assert shop.webhook("/twilio/status", {"MessageSid": undelivered, "MessageStatus": "undelivered",
                                           "ErrorCode": "30003"}) == 200
    shop.run_until(at(2, 15))
    shop.reply("A", "1"), shop.reply("B", "2"), shop.reply("C", " 参加 ")
    shop.run_until(at(4, 15))  # Wed 10:00: invitations for Sat 06-07
    shop.reply("A", "1")
    shop.run_until(at(5, 14))
    shop.check_in("A", 5, by_code=True), shop.check_in("C", 5, by_code=False), shop.walk_in("W1", 5, "A")
    shop.run_until(at(7, 14))
    shop.check_in("A", 7, by_code=True), shop.walk_in("W2", 7, "A"), shop.walk_in("W3", 7, "C", minute=20)
    shop.run_until(at(8, 15))  # Sun 10:00: invitations for Wed 06-11
    shop.reply("P", "1")
    shop.run_until(at(9, 14))
    shop.walk_in("W1", 9, None, minute=10)
    shop.run_until(at(10, 18))
    shop.deposit("W1", 50_000, 10)
    shop.run_until(at(11, 14))
    shop.check_in("P", 11, by_code=True), shop.check_in("B", 11, by_code=False), shop.walk_in("W4", 11, "B")
    shop.run_until(at(12, 18))
    shop.deposit("W2", 20_000, 12)
    shop.run_until(at(15, 23))

    with shop.app.engine.connect() as conn:
        invitations = conn.execute(select(models.Invitation.state, models.Event.key).join(models.Event)).all()
    assert len(invitations) == 4 * 12  # nine salons in range + 06-16, 06-17, 06-18 invited by Sun 06-15

    funnel = json.loads(cli("report", "funnel", "--from", "2025-06-05", "--to", "2025-06-14", "--format", "json").output)
    total = {k: funnel["total"][k] for k in ("invited", "delivered", "confirmed", "attended", "walk_ins", "referrers",
                                             "referrals", "converted", "deposits_fen", "attendees")}
    assert total == {"invited": 36, "delivered": 35, "confirmed": 5, "attended": 5, "walk_ins": 5, "referrers": 4,
                     "referrals": 4, "converted": 2, "deposits_fen": 7_000_000, "attendees": 10}
    assert funnel["total"]["rates"] == {"delivered": round(35 / 36, 4), "confirmed": round(5 / 35, 4), "attended": 1.0,
                                        "referrers": 0.4, "referrals": 1.0, "converted": 0.5}

    by_salon = json.loads(cli("report", "funnel", "--from", "2025-06-05", "--to", "2025-06-14", "--by", "event",
                              "--format", "json").output)["groups"]
    attended = {g["key"]: (g["confirmed"], g["attended"], g["walk_ins"], g["referrals"]) for g in by_salon if g["attended"] or g["walk_ins"]}
    assert sorted(attended.values()) == [(0, 0, 1, 0), (1, 1, 2, 1), (2, 2, 1, 1), (2, 2, 1, 2)]

    board = json.loads(cli("report", "referrals", "--format", "json").output)["leaderboard"]
    assert [(b["name"], b["referrals"], b["converted"], b["deposits_fen"]) for b in board] == [
        ("客户A", 2, 2, 7_000_000), ("客户B", 1, 0, 0), ("客户C", 1, 0, 0)]

    visits = json.loads(cli("report", "visits", "--format", "json").output)
    assert visits["conversions"] == 2 and visits["mean_visits"] == 1.5
    assert [(r["visits"], r["conversions"]) for r in visits["rows"]] == [(1, 1), (2, 1)]

    sent = [sms.to for sms in shop.gateway.sent]
    assert len(sent) == len(set((s.to, s.body) for s in shop.gateway.sent))  # no text twice
