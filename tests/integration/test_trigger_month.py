"""A simulated month (2025-06-03 … 07-02) of a seeded shop driven through the daemon's jobs on a pinned clock.

The daemon ticks at 03:00 (the daily recompute, [daemon] recompute_at), 09:30, 14:30 and 16:30
Shanghai time; each tick runs every job due (after-import recompute, trigger scan, dispatch). Texts go
out through the file gateway (sent.jsonl). The salons campaign holds the salons but invites nobody
(its audience is tier A, which nobody reaches this month; a store filter would not do: a walk-in
belongs to the store of the event they walked into), so every text sent is a triggered one. Campaigns:
three-encounters (shipped: checked_in, 2h, at most 2 visits, no deposit, the next salon), walk-in
(walk_in_registered, tier P only), thanks (referral_converted, to the referrer), welcome (first_deposit,
1d), tier-up (tier_up, tiers A and B only; no tier_down campaign: downs are a staff list), reward
(reward_reached), matured (holding_matured_not_renewed, 3d).

What happens (imports by `jinli import` at 09:00; check-ins at the salon at 14:00):
  06-03 import customers 王芳, 李娜, 张敏, 刘洋 (referred by 王芳), 陈静 and holdings H1 王芳 100,000 1y
        2025-01-10, H2 李娜 20,000 2m 04-05 (matures 06-05), H3 张敏 10,000 2m 04-08 (matures 06-08).
        09:30 recompute: points 王芳 10, 李娜 10, 张敏 10 (earned before the campaigns were enabled at
        03:00, so no reward or first-deposit text). Tiers, a first scoring (no move): 王芳 3+3 = 6 C,
        李娜 1+1 C, 张敏 1+1 C, 刘洋 P, 陈静 P.
        14:00 王芳, 刘洋, 陈静 check in uninvited. 14:30 walk-in texts 刘洋, 陈静 (王芳 is C: not in the
        audience). 16:30 three-encounters 刘洋 (visit 1), 陈静 (visit 1) → the 06-04 salon (你会我也会),
        each with a code; 王芳 has deposited.
  06-04 14:00 陈静 checks in with her code, 王芳 again. 16:30 three-encounters 陈静 (visit 2) → 06-05 (你能我也能).
  06-05 03:00 李娜's H2 matured on 06-05: deposit 0 → P (a tier down). 09:00 import movements: 续金 on H2
        (so no matured text for 李娜); 09:30 renewal points +2 → 李娜 12. 14:00 陈静's third visit (code);
        周杰 registered at the door. 14:30 walk-in text 周杰. 16:30 three-encounters 周杰 (visit 1) → 06-06
        (你做我也做); 陈静 has had three visits: nothing.
  06-06 09:00 import H4 刘洋 30,000 6m 06-06 (converts 王芳's referral). 09:30 recompute: 刘洋 10, 王芳
        +5 = 15, a 足金小金豆 owed to 王芳; tiers 王芳 3+3+2 (a referral) +1 (2 events) = 9 → B (up),
        刘洋 1+2 = 3 → C (up, but C is not in tier-up's audience). Texts: thanks 王芳 (friend 刘洋),
        tier-up 王芳 C→B. welcome 刘洋 waits a day.
  06-07 09:30 welcome 刘洋 (30,000).
  06-08 03:00 张敏's H3 matured, not renewed: deposit 0 → P (down).
  06-10 09:00 import H5 周杰 10,000 2m 06-10. 09:30 周杰 10 points, P→C (up; not in the audience).
  06-11 03:00 matured: H3 matured 06-08 + 3 days → planned, due 08:00 (quiet hours); sent 09:30 with
        welcome 周杰 (H5 recorded 06-10 09:00 + 1 day).
  06-12 09:00 import movements: 刘洋 withdraws H4 (30,000). 09:30 recompute: the reward to 王芳 is
        cancelled (a withdrawal 6 days after the first deposit, within 30); 刘洋 deposit 0, term 2,
        withdrawals −1 → P (down). 王芳 stays B (刘洋 deposited once: still a referral).
  06-16 09:00 import H6 王芳 50,000 98d 06-16. 09:30 王芳 +10 = 25: the balance passes 20 →
        reward text 生日蛋糕 (balance 25).
Points on 07-02: 王芳 25, 李娜 12, 张敏 10, 刘洋 10, 周杰 10, 陈静 0. Rewards: one, 王芳 for 刘洋, cancelled 06-12.
Tier changes: downs 刘洋 C→P 06-12, 张敏 C→P 06-08, 李娜 C→P 06-05; ups 周杰 P→C 06-10, 王芳 C→B 06-06,
刘洋 P→C 06-06. Thirteen texts (TEXTS below).
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import App, ManualClock
from campaigns.definitions import load_campaign
from campaigns.occurrences import salon_event
from campaigns.planning import Planner, ensure_event
from messaging.gateways.file import FileGateway
from records import checkins, models, points, tier_moves
from schedules.daemon import Daemon, DaemonOptions
from settings import load_settings
from tests.factories import SHANGHAI
from tests.integration.trigger_site import prepare, write_trigger

pytestmark = pytest.mark.integration
FIRST, LAST = date(2025, 6, 3), date(2025, 7, 2)
TICKS = (time(3), time(9, 30), time(14, 30), time(16, 30))
PHONES = {"王芳": "+8613800000001", "李娜": "+8613800000002", "张敏": "+8613800000003", "刘洋": "+8613800000004",
          "陈静": "+8613800000005", "周杰": "+8613800000006"}
CUSTOMERS = ("phone,name,store,referrer\n13800000001,王芳,南京路店,\n13800000002,李娜,南京路店,\n"
             "13800000003,张敏,淮海路店,\n13800000004,刘洋,南京路店,13800000001\n13800000005,陈静,淮海路店,\n")
HOLDINGS_HEAD = "holding_id,phone,amount,term,start_on\n"
IMPORTS = {  # day -> (kind, file name, rows)
    date(2025, 6, 3): [("customers", "customers.csv", CUSTOMERS),
                       ("holdings", "h0603.csv", HOLDINGS_HEAD + "H1,13800000001,100000,1y,2025-01-10\n"
                        "H2,13800000002,20000,2m,2025-04-05\nH3,13800000003,10000,2m,2025-04-08\n")],
    date(2025, 6, 5): [("movements", "m0605.csv", "movement_id,holding_id,kind,on,amount\nM1,H2,renewal,2025-06-05,20000\n")],
    date(2025, 6, 6): [("holdings", "h0606.csv", HOLDINGS_HEAD + "H4,13800000004,30000,6m,2025-06-06\n")],
    date(2025, 6, 10): [("holdings", "h0610.csv", HOLDINGS_HEAD + "H5,13800000006,10000,2m,2025-06-10\n")],
    date(2025, 6, 12): [("movements", "m0612.csv", "movement_id,holding_id,kind,on,amount\nM2,H4,withdrawal,2025-06-12,30000\n")],
    date(2025, 6, 16): [("holdings", "h0616.csv", HOLDINGS_HEAD + "H6,13800000001,50000,98d,2025-06-16\n")],
}
# day -> who checks in at the salon at 14:00: (name, by their code from the last text?) ; 周杰 registers at the door
CHECKINS = {date(2025, 6, 3): [("王芳", False), ("刘洋", False), ("陈静", False)],
            date(2025, 6, 4): [("陈静", True), ("王芳", False)],
            date(2025, 6, 5): [("陈静", True), ("周杰", None)]}
TEMPLATES = {
    "walk-in": ("walk_in_registered", "{{ customer.name }}您好，欢迎光临{{ trigger.title }}！", {"audience": 'tiers = ["P"]'}),
    "thanks": ("referral_converted", "{{ customer.name }}您好，您推荐的{{ trigger.friend }}已成为我们的客户，{{ trigger.gift }}已为您备好。", {}),
    "welcome": ("first_deposit", "{{ customer.name }}您好，欢迎成为我们的客户！您的{{ trigger.amount }}元{{ trigger.term_label }}产品已起息。",
                {"delay": "1d"}),
    "tier-up": ("tier_up", "{{ customer.name }}您好，恭喜您由{{ trigger.old_tier }}类升为{{ trigger.new_tier }}类客户！",
                {"audience": 'tiers = ["A", "B"]'}),
    "reward": ("reward_reached", "{{ customer.name }}您好，您的积分已达{{ trigger.balance }}分，可兑换{{ trigger.reward }}。", {}),
    "matured": ("holding_matured_not_renewed",
                "{{ customer.name }}您好，您{{ trigger.maturity_on | md }}到期的{{ trigger.amount }}元尚未续投，欢迎到店咨询。", {"delay": "3d"}),
}
SIG, HINT = "【金福金行】", "回T退订"
TEXTS = [  # (local time sent, name, text without signature and hint); {code:DAY} is the guest's code for that salon
    ("06-03 14:30", "刘洋", "刘洋您好，欢迎光临「你行我也行」沙龙！"),
    ("06-03 14:30", "陈静", "陈静您好，欢迎光临「你行我也行」沙龙！"),
    ("06-03 16:30", "刘洋", "刘洋您好，感谢您第1次来店！6月4日（周三）14:00「你会我也会」沙龙诚邀您再来，签到码{code:06-04}。"),
    ("06-03 16:30", "陈静", "陈静您好，感谢您第1次来店！6月4日（周三）14:00「你会我也会」沙龙诚邀您再来，签到码{code:06-04}。"),
    ("06-04 16:30", "陈静", "陈静您好，感谢您第2次来店！6月5日（周四）14:00「你能我也能」沙龙诚邀您再来，签到码{code:06-05}。"),
    ("06-05 14:30", "周杰", "周杰您好，欢迎光临「你能我也能」沙龙！"),
    ("06-05 16:30", "周杰", "周杰您好，感谢您第1次来店！6月6日（周五）14:00「你做我也做」沙龙诚邀您再来，签到码{code:06-06}。"),
    ("06-06 09:30", "王芳", "王芳您好，您推荐的刘洋已成为我们的客户，足金小金豆已为您备好。"),
    ("06-06 09:30", "王芳", "王芳您好，恭喜您由C类升为B类客户！"),
    ("06-07 09:30", "刘洋", "刘洋您好，欢迎成为我们的客户！您的30,000元半年产品已起息。"),
    ("06-11 09:30", "张敏", "张敏您好，您6月8日到期的10,000元尚未续投，欢迎到店咨询。"),
    ("06-11 09:30", "周杰", "周杰您好，欢迎成为我们的客户！您的10,000元2个月产品已起息。"),
    ("06-16 09:30", "王芳", "王芳您好，您的积分已达25分，可兑换生日蛋糕。"),
]
BALANCES = {"王芳": 25, "李娜": 12, "张敏": 10, "刘洋": 10, "周杰": 10, "陈静": 0}
CHANGES = [("刘洋", "C", "P", "down", "2025-06-12"), ("张敏", "C", "P", "down", "2025-06-08"),
           ("李娜", "C", "P", "down", "2025-06-05"), ("周杰", "P", "C", "up", "2025-06-10"),
           ("王芳", "C", "B", "up", "2025-06-06"), ("刘洋", "P", "C", "up", "2025-06-06")]


@pytest.fixture
def shop(site: Path) -> Path:
    """The site with salons (inviting nobody), the shipped three-encounters campaign and the six trigger campaigns."""
    folder = prepare(site, "salons.toml", "three_encounters.toml")
    salons = folder / "salons.toml"
    salons.write_text(salons.read_text(encoding="utf-8").replace('tiers = ["A", "B", "C", "P"]', 'tiers = ["A"]'),
                      encoding="utf-8")
    for name, (on, text, options) in TEMPLATES.items():
        write_trigger(site, name, on, text, **options)
    return site


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, SHANGHAI)


class Month:
    """The month's business (imports, check-ins) and the daemons' ticks on one manual clock."""

    def __init__(self, site: Path, cli, monkeypatch, workers: int = 1, tag: str = "a"):
        self.site, self.cli, self.monkeypatch = site, cli, monkeypatch
        self.clock = ManualClock(local(FIRST, time(3)))
        self.app = App(load_settings(site), clock=self.clock)
        gateway = FileGateway(site.parent / "sent.jsonl", clock=self.clock.now)
        self.daemons = [Daemon(App(load_settings(site), clock=self.clock), gateway, DaemonOptions(f"month-{tag}{n}"))
                        for n in range(workers)]
        self.salons = load_campaign(site.parent / "campaigns" / "salons.toml")

    def run(self, business: bool = True) -> None:
        day = FIRST
        while day <= LAST:
            for at in TICKS:
                if business and at == time(9, 30):
                    self.imports(day)
                if business and at == time(14, 30):
                    self.checkins(day)
                self.tick(local(day, at))
            day += timedelta(days=1)

    def imports(self, day: date) -> None:
        for kind, name, rows in IMPORTS.get(day, []):
            path = self.site.parent / name
            path.write_text(rows, encoding="utf-8")
            self.monkeypatch.setenv("JINLI_NOW", local(day, time(9)).isoformat())
            result = self.cli("import", kind, str(path))
            assert result.exit_code == 0 and "拒绝 0" in result.output, result.output

    def checkins(self, day: date) -> None:
        if day not in CHECKINS:
            return
        now = local(day, time(14))
        settings = self.app.settings
        with self.app.engine.begin() as conn:
            event_id = ensure_event(conn, "salons", salon_event(self.salons, self.salons.spec, day,
                                                                 Planner.from_settings(settings).calendar), now)
            for name, by_code in CHECKINS[day]:
                if by_code is None:
                    checkins.walk_in(conn, PHONES[name], name, None, event_id, now, settings.tz, settings.events)
                else:
                    who = code_of(conn, name, day) if by_code else PHONES[name][3:]
                    checkins.record_check_in(conn, who, event_id, now, settings.tz, settings.events)

    def tick(self, now: datetime) -> None:
        self.clock.current = now
        if len(self.daemons) == 1:
            self.daemons[0].tick(now)
            return
        errors, start = [], threading.Barrier(len(self.daemons))

        def run(daemon: Daemon) -> None:
            try:
                start.wait()
                daemon.tick(now)
            except Exception as exc:  # noqa: BLE001 - reported by the assert below
                errors.append(exc)
        threads = [threading.Thread(target=run, args=(d,)) for d in self.daemons]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []


def code_of(conn, name: str, day: date) -> str:
    """The check-in code ``name`` was given for the salon of ``day``."""
    i, e, c = models.Invitation.__table__.c, models.Event.__table__.c, models.Customer.__table__.c
    return conn.execute(select(i.code).join_from(models.Invitation.__table__, models.Event.__table__, e.id == i.event_id)
                        .join(models.Customer.__table__, c.id == i.customer_id)
                        .where(e.key == f"salons·{day.isoformat()}", c.name == name)).scalar_one()


def sent(site: Path, app: App) -> list[tuple[str, str, str]]:
    """(local time, name, text) of every line of the file gateway, in order."""
    names = {phone: name for name, phone in PHONES.items()}
    lines = [json.loads(line) for line in (site.parent / "sent.jsonl").read_text(encoding="utf-8").splitlines()]
    return [(datetime.fromisoformat(r["at"]).astimezone(SHANGHAI).strftime("%m-%d %H:%M"), names[r["to"]], r["body"])
            for r in lines]


def expected(app: App) -> list[tuple[str, str, str]]:
    with app.engine.connect() as conn:
        codes = {f"{{code:{d}}}": "" for d in ("06-04", "06-05", "06-06")}
        out = []
        for at, name, text in TEXTS:
            for marker in codes:
                if marker in text:
                    text = text.replace(marker, code_of(conn, name, date(2025, int(marker[6:8]), int(marker[9:11]))))
            out.append((at, name, SIG + text + HINT))
    return out


def balances(app: App) -> dict[str, int]:
    c = models.Customer.__table__.c
    with app.engine.connect() as conn:
        people = conn.execute(select(c.id, c.name)).all()
        return {name: points.balance(conn, customer_id, LAST) for customer_id, name in people}


def rewards(app: App) -> list[tuple]:
    rw, c = models.ReferralReward.__table__.c, models.Customer.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(c.name, rw.state, rw.owed_on, rw.cancelled_on)
                            .join_from(models.ReferralReward.__table__, models.Customer.__table__, c.id == rw.referrer_id))
        return [tuple(r) for r in rows]


def outbox_count(app: App) -> int:
    with app.engine.connect() as conn:
        return len(conn.execute(select(models.OutboxMessage.id)).all())


def test_a_month_of_triggers_sends_each_text_once_and_a_second_run_sends_nothing(shop, cli, monkeypatch):
    month = Month(shop, cli, monkeypatch)
    month.run()
    app = month.app
    assert sent(shop, app) == expected(app)
    assert balances(app) == BALANCES
    assert rewards(app) == [("王芳", "cancelled", date(2025, 6, 6), date(2025, 6, 12))]
    with app.engine.connect() as conn:
        changes = [(r["name"], r["old_tier"], r["new_tier"], r["direction"], r["changed_on"].isoformat())
                   for r in tier_moves.changes(conn)]
    assert changes == CHANGES
    report = cli("report", "tiers", "--changes", "--since", "2025-06-06", "--format", "json")
    assert [(r["name"], r["direction"]) for r in json.loads(report.output)["changes"]] == [
        ("刘洋", "down"), ("张敏", "down"), ("周杰", "up"), ("王芳", "up"), ("刘洋", "up")]
    rows = outbox_count(app)

    again = Month(shop, cli, monkeypatch, tag="b")  # a restarted daemon replays the month; every file imported again
    again.run()
    assert sent(shop, app) == expected(app) and outbox_count(app) == rows
    assert balances(app) == BALANCES


def test_two_daemons_on_one_database_send_the_month_once(shop, cli, monkeypatch):
    month = Month(shop, cli, monkeypatch, workers=2)
    month.run()
    assert sent(shop, month.app) == expected(month.app)
    assert balances(month.app) == BALANCES
