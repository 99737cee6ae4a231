"""The manager's filters: period, campaign, event, salon, store and tier from the query string, within the stores a
manager may see; the choices each filter offers; the words that state them on every page and file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from records import models
from records.staff import Staff
from reports.filters import TIERS, ReportFilter

events_t = models.Event.__table__
customers_t = models.Customer.__table__
FIELDS = ("from", "to", "campaign", "event", "salon", "store", "tier")


class FilterRefused(Exception):
    """A filter value that is not a date, a number or one of the choices."""


@dataclass(frozen=True)
class Chosen:
    """What the page was asked for (raw, for the form and the links) and the ReportFilter it means."""

    raw: dict
    filt: ReportFilter

    def query(self) -> dict:
        return {k: v for k, v in self.raw.items() if v}


def chosen(args, staff: Staff) -> Chosen:
    """The filter in ``args``; a manager's reports always stay within their stores."""
    raw = {k: (args.get(k) or "").strip()[:64] for k in FIELDS}
    allowed = staff.report_stores()
    if raw["store"] and allowed is not None and raw["store"] not in allowed:
        raise FilterRefused(raw["store"])
    stores = (raw["store"],) if raw["store"] else allowed
    tier = raw["tier"].upper() or None
    if tier is not None and tier not in TIERS:
        raise FilterRefused(raw["tier"])
    filt = ReportFilter(raw["campaign"] or None, _number(raw["event"]), tier, _day(raw["from"]), _day(raw["to"]),
                        raw["salon"] or None, stores)
    return Chosen(raw, filt)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise FilterRefused(text) from None


def _number(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise FilterRefused(text)
    return int(text)


def choices(conn: Connection, staff: Staff, tz) -> dict:
    """What each select offers: the campaigns, events, salons and stores of the events the staff member may see."""
    e = events_t.c
    query = select(e.id, e.campaign_id, e.title, e.slogan, e.store, e.starts_at).order_by(e.starts_at.desc(), e.id.desc())
    allowed = staff.report_stores()
    if allowed is not None:
        query = query.where(e.store.in_(allowed))
    rows = conn.execute(query.limit(500)).all()
    stores = sorted({r.store for r in rows if r.store} | set(allowed or ()) | set(_customer_stores(conn, allowed)))
    return {"campaigns": sorted({r.campaign_id for r in rows}), "salons": sorted({r.slogan for r in rows if r.slogan}),
            "stores": stores, "tiers": TIERS,
            "events": [(r.id, f"{r.starts_at.astimezone(tz):%m-%d %H:%M} {r.title or r.slogan}") for r in rows]}


def _customer_stores(conn: Connection, allowed) -> list[str]:
    if allowed is not None:
        return []
    return [s for s in conn.execute(select(customers_t.c.store).distinct()).scalars() if s]


def stated(c: Chosen, staff: Staff, t: dict, L: dict) -> list[str]:
    """The period and the filters in words, for the page's head and the file's first lines."""
    raw = c.raw
    period = f"{raw['from'] or '…'} — {raw['to'] or '…'}" if raw["from"] or raw["to"] else t["all"]
    parts = [f"{t[k] if k in t else L[k]}={raw[k]}" for k in ("campaign", "event", "salon", "tier") if raw[k]]
    stores = raw["store"] or (", ".join(staff.report_stores()) if staff.report_stores() is not None else t["all_stores"])
    parts.append(f"{t['store']}={stores}")
    return [f"{t['period']}: {period}", f"{t['filters']}: {' · '.join(parts)}"]
