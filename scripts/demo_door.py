"""`make demo`, step 8: what happens at the shop door during the simulated week.

Deterministic: replies (1 / 2) to some invitations, check-ins of most confirmed and some other guests
at each salon that has started, walk-in friends brought by attendees, and the first deposits of some
of those friends (imported like the shop's own holdings export). Uses jinli's own functions, the
same the CLI and the webhook call.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app import App
from records import models
from records.checkins import record_check_in, walk_in
from records.events import apply_reply, mark_no_shows
from records.importing import ImportOptions, import_file
from settings import load_settings


def chance(text: str) -> float:
    """A stable pseudo-random number in [0, 1) for ``text`` (the demo must be repeatable)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16**8


def main(now: datetime, out: Path) -> None:
    app = App(load_settings())
    tz, events_settings = app.settings.tz, app.settings.events
    counts = {"replies": 0, "check-ins": 0, "walk-ins": 0, "deposits": 0}
    friends: list[tuple[str, str, datetime]] = []
    with app.engine.begin() as conn:
        events = conn.execute(select(models.Event.__table__).where(models.Event.starts_at < now)
                              .order_by(models.Event.starts_at)).mappings().all()
        for event in events:
            invited = conn.execute(select(models.Invitation.__table__).where(models.Invitation.event_id == event["id"])
                                   .order_by(models.Invitation.id)).mappings().all()
            for inv in invited:  # replies come in the day before
                if chance("reply" + inv["code"]) < 0.5:
                    intent = "confirm" if chance("yes" + inv["code"]) < 0.8 else "decline"
                    counts["replies"] += bool(apply_reply(conn, inv["customer_id"], intent, event["starts_at"] - timedelta(days=1)))
            for inv in invited:
                state = conn.execute(select(models.Invitation.state).where(models.Invitation.id == inv["id"])).scalar()
                comes = chance("come" + inv["code"]) < (0.85 if state == "confirmed" else 0.25 if state == "invited" else 0)
                if comes:
                    at = event["starts_at"] + timedelta(minutes=5)
                    record_check_in(conn, inv["code"], event["id"], at, tz, events_settings)
                    counts["check-ins"] += 1
                    if chance("friend" + inv["code"]) < 0.3:
                        friends.append((inv["code"], event["id"], at))
            mark_no_shows(conn, event["id"])
        for n, (code, event_id, at) in enumerate(friends):
            referrer = conn.execute(select(models.Customer.referral_code).join(
                models.Invitation, models.Invitation.customer_id == models.Customer.id).where(models.Invitation.code == code)).scalar()
            walk_in(conn, f"1779999{n:04d}", f"朋友{n + 1}", referrer, event_id, at + timedelta(minutes=10), tz, events_settings)
            counts["walk-ins"] += 1
    deposits = out / "friends_first_deposits.csv"
    with open(deposits, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["合同号", "手机号", "金额", "期限", "起息日", "月月返"])
        for n, (_code, _event, at) in enumerate(friends):
            if chance(f"deposit{n}") < 0.6:
                day = (at + timedelta(days=1)).astimezone(tz).date()
                writer.writerow([f"DEMO-F{n:04d}", f"1779999{n:04d}", "20000", "98d", day.isoformat(), "否"])
                counts["deposits"] += 1
    import_file(app.engine, "holdings", deposits, ImportOptions(today=now.astimezone(tz).date(), now=now))
    print(", ".join(f"{k} {v}" for k, v in counts.items()) + f" (first deposits imported from {deposits})")


if __name__ == "__main__":
    main(datetime.fromisoformat(sys.argv[1]), Path(sys.argv[2]))
