"""What the record commands print (customers, audit, events, staff, points): one table or JSON, in the site's language.

Phones are masked except in `customers show`, which staff use to call the customer.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

from cli_output import columns, show
from cli_text import said, text, word
from domain.phone import mask
from reports.render import Table

CUSTOMER_COLUMNS = ("id", "name", "phone", "tier", "store", "joined_on", "birth_calendar", "born_on", "referral_code",
                    "opted_out")
CUSTOMER_TABLE = ("id", "name", "phone", "tier", "store", "born_on", "referral_code", "opted_out")


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else ""


def _yes(value) -> str:
    return text("yes") if value is True else ("" if value in (None, False) else str(value))


def customer_list(rows: list[dict], fmt: str, output: str | None) -> None:
    """`customers list`: phones already masked; the terminal table leaves out the join date and the calendar."""
    data = [{k: _iso(v) for k, v in row.items()} for row in rows]
    keys = CUSTOMER_TABLE if fmt == "table" else CUSTOMER_COLUMNS
    shown = [{**row, "opted_out": _yes(row["opted_out"]) if fmt == "table" else row["opted_out"],
              "birth_calendar": word("calendar", row["birth_calendar"]) if row.get("birth_calendar") else ""}
             for row in data]
    title = text("customers_title", count=len(rows))
    show(fmt, output, data=data, tables=[Table(title, columns(*keys), shown, {"id": "int"}, whole=("phone",))], title=title)


def customer(person, history: list[dict], fmt: str, output: str | None) -> None:
    """One customer with the full phone number: `customers show` is where staff who must call look it up."""
    public = {k: _iso(v) for k, v in dict(person).items()}
    if fmt == "json":
        show(fmt, output, data={"customer": public, "tier_history": [{k: _iso(v) for k, v in h.items()} for h in history]},
             tables=[], title="")
        return
    keys = ("id", "name", "phone", "store", "joined_on", "birth_calendar", "born_on", "referral_code", "tier",
            "tier_score", "pinned_tier", "opted_out")
    labels = {key: text(f"col_{key}") for key in keys}
    width = max(cell_len(label) for label in labels.values())
    for key in keys:
        value = public.get(key)
        value = _yes(value) if isinstance(value, bool) else (word("calendar", value) if key == "birth_calendar" else value)
        pad = " " * (width - cell_len(labels[key]))  # a Chinese character is two columns wide
        click.echo(f"{pad}{labels[key]}: {'' if value is None else value}")
    for change in history:
        note = f": {change['note']}" if change["note"] else ""
        click.echo("  " + text("tier_change", as_of=_iso(change["as_of"]), tier=change["tier"], score=change["score"],
                                reason=word("tier_reason", change["reason"]) + note))


def audit_entries(rows, tz: ZoneInfo, fmt: str, output: str | None) -> None:
    data = [{**dict(row), "at": row["at"].isoformat()} for row in rows]
    shown = [{"at": _local(row["at"], tz), "actor": row["actor"], "action": word("audit", row["action"]),
              "subject": f"{word('subject', row['subject'])} {row['subject_id']}".strip(), "reason": row["reason"],
              "detail": row["detail"] or ""} for row in rows]
    table = Table(text("audit_title"), columns("at", "actor", "action", "subject", "reason", "detail"), shown)
    show(fmt, output, data=data, tables=[table], title=text("audit_title"), empty=text("audit_none"))


def events_list(rows: list[dict], on: date, tz: ZoneInfo, fmt: str, output: str | None) -> None:
    data = [{k: _iso(v) for k, v in e.items()} for e in rows]
    shown = [{"id": e["id"], "time": e["starts_at"].astimezone(tz).strftime("%H:%M") if e["starts_at"] else "",
              "title": e["title"] or e["slogan"] or "", "venue": e["venue"] or "", "confirmed": e["confirmed"],
              "capacity": e["capacity"], "campaign": e["campaign_id"]} for e in rows]
    title = text("events_title", day=on.isoformat())
    table = Table(title, columns("id", "time", "title", "venue", "confirmed", "capacity", "campaign"), shown,
                  {"id": "int", "confirmed": "int", "capacity": "int"})
    show(fmt, output, data=data, tables=[table], title=title, empty=text("no_events", day=on.isoformat()))


def staff_list(rows: list[dict], fmt: str, output: str | None) -> None:
    data = [{**row, "created_at": _iso(row["created_at"])} for row in rows]
    shown = [{"name": row["name"], "role": word("role", row["role"]),
              "stores": text("list_sep").join(row["stores"]) or text("every_store"),
              "state": text("disabled" if row["disabled"] else "enabled")} for row in rows]
    table = Table(text("staff_title"), columns("name", "role", "stores", "state"), shown)
    show(fmt, output, data=data, tables=[table], title=text("staff_title"), empty=text("no_staff"))


def statement(person, found, owed: list[dict], fmt: str, output: str | None) -> None:
    """`points show`: the ledger up to the day, the balance, the rewards within reach and referral rewards owed."""
    owed = [{**o, "referee_phone": mask(o["referee_phone"])} for o in owed]
    who = f"{person['name']} ({mask(person['phone'])})"
    data = {"customer": {"id": person["id"], "name": person["name"], "phone": mask(person["phone"])},
            "as_of": found.on.isoformat(), "balance": found.balance,
            "entries": [{k: _iso(v) for k, v in e.items()} for e in found.entries],
            "rewards": [{"points": s.points, "name": s.name} for s in found.rewards],
            "owed": [{k: _iso(v) for k, v in o.items()} for o in owed]}
    shown = [{"date": e["earned_on"].isoformat(), "points": e["points"], "reason": word("points_reason", e["reason"]),
              "source": f"{e['source_kind']} {e['source_id']}" + (f" (#{e['lot_id']})" if e["lot_id"] else ""),
              "expires": e["expires_on"].isoformat() if e["expires_on"] else text("never"), "note": e["note"]}
             for e in found.entries]
    title = text("points_title", who=who, day=found.on.isoformat())
    within = text("list_sep").join(f"{s.name} ({s.points})" for s in found.rewards) or text("none")
    notes = [text("balance_line", balance=found.balance, rewards=within)]
    notes += [text("owed_line", id=o["id"], owed_on=_iso(o["owed_on"]), gift=o["gift"], referee=o["referee_name"],
                   phone=o["referee_phone"]) for o in owed]
    table = Table(title, columns("date", "points", "reason", "source", "expires", "note"), shown, {"points": "int"})
    show(fmt, output, data=data, tables=[table], title=title, notes=notes)


def check_in(result, tz: ZoneInfo) -> None:
    """`checkin`: who came, their visits and gift step, and who referred them (phones masked)."""
    at = result.checked_in_at.astimezone(tz).strftime("%H:%M")
    status = text("checked_in_before" if result.already else "checked_in", at=at)
    kind = "" if result.invited else " · " + text("new_guest" if result.new_customer else "walk_in")
    click.echo(text("checkin_line", name=result.name, phone=mask(result.phone), status=status, title=result.event_title,
                    id=result.event_id) + kind)
    gift = result.gift
    ladder = text("gift_step", step=gift.step, of=gift.of) + (text("gift_next", next=gift.next_at) if gift.next_at else "")
    click.echo("  " + text("visits_line", visits=result.visits, gift=gift.gift or "-", ladder=ladder))
    if result.referrer_name:
        click.echo("  " + text("referred_by", name=result.referrer_name, phone=mask(result.referrer_phone)))
    for note in result.notes:
        click.echo("  " + text("note_line", note=said(note)))


def referrals_list(rows: list[dict], fmt: str, output: str | None) -> None:
    """`referrals list`: phones already masked; JSON keeps the stored values."""
    shown = [{"date": _iso(r["referred_on"]), "referrer": r["referrer_name"], "referrer_phone": r["referrer_phone"],
              "referee": r["referee_name"], "referee_phone": r["referee_phone"], "source": word("source", r["source"]),
              "event": r["event_id"], "campaign": r["campaign_id"] or "", "converted": _iso(r["converted_on"]) or ""}
             for r in rows]
    table = Table(text("referrals_title", count=len(rows)), columns("date", "referrer", "referrer_phone", "referee",
                  "referee_phone", "source", "event", "campaign", "converted"), shown, {"event": "int"},
                  whole=("referrer_phone", "referee_phone"))
    data = [{k: _iso(v) for k, v in r.items()} for r in rows]
    show(fmt, output, data=data, tables=[table], title=table.title, empty=text("no_referrals"))


def cell_len(label: str) -> int:
    """Terminal columns of a label: East-Asian wide characters take two (rich's rule, without loading rich)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)
