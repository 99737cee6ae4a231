"""Customers on the manager's screen: a searchable, paginated list (phones masked) of the stores the manager sees,
one customer's page (the whole phone: staff call from it; tier, points, visits, referrals, rewards owed), and the
staff list for admins."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import Connection, select

from domain.phone import mask
from records import models, points, rewards, staff as accounts
from records.customer_desk import search
from records.referrals import referrals_list
from reports.filters import TIERS
from reports.render import Table
from web.auth import current_staff
from web.manage_view import download, env, refused

PAGE_SIZE = 50
customers_t = models.Customer.__table__
checkins_t = models.CheckIn.__table__
events_t = models.Event.__table__


def seen(conn: Connection, customer_id: int):
    """The customer, if the signed-in manager may see them (a customer of one of their stores; admins: anyone)."""
    c = customers_t.c
    row = conn.execute(select(customers_t).where(c.id == customer_id)).mappings().first()
    allowed = current_staff().report_stores()
    return row if row is not None and (allowed is None or row["store"] in allowed) else None


def _asked() -> dict:
    """The list's query: search text, tier, store and page number, as typed (checked by ``_query``)."""
    return {k: (request.args.get(k) or "").strip()[:64] for k in ("q", "tier", "store", "page")}


def _query(asked: dict) -> dict:
    """search() arguments for ``asked`` within the manager's stores; ValueError names a value that is not a choice."""
    allowed = current_staff().report_stores()
    if asked["store"] and allowed is not None and asked["store"] not in allowed:
        raise ValueError(asked["store"])
    if asked["tier"] and asked["tier"].upper() not in TIERS:
        raise ValueError(asked["tier"])
    if asked["page"] and (not asked["page"].isdigit() or not 0 < int(asked["page"]) < 100_000):
        raise ValueError(asked["page"])
    return {"text": asked["q"] or None, "tier": asked["tier"] or None, "store": asked["store"] or None, "stores": allowed}


def _table(rows: list[dict], L: dict, t: dict) -> Table:
    columns = [("id", t["customer_id"]), ("name", L["name"]), ("phone", L["phone"]), ("tier", L["tier"]),
               ("store", L["store"]), ("joined_on", t["joined_on"]), ("referral_code", t["referral_code"])]
    shown = [{**row, "phone": mask(row["phone"])} for row in rows]
    return Table(t["nav_customers"], columns, shown, {"id": "int"})


def customers_page():
    """The list: 50 a page, by id; a manager's only within their stores."""
    app, t, L = env()
    asked = _asked()
    try:
        query = _query(asked)
    except ValueError as exc:
        return refused(t, exc.args[0])
    number = int(asked["page"] or 1)
    with app.engine.connect() as conn:
        rows = search(conn, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, **query)
    allowed = current_staff().report_stores()
    stores = allowed if allowed is not None else _all_stores(app)
    return render_template("manage/customers.html", picked=None, stated=[], options=None, L=L, tz=app.settings.site.timezone,
                           listing=_table(rows[:PAGE_SIZE], L, t), asked=asked, number=number, more=len(rows) > PAGE_SIZE,
                           stores=stores, tiers=TIERS)


def customers_file():
    """The list as CSV (BOM) or .xlsx: every match (up to 10,000), phones masked, the search stated on top."""
    app, t, L = env()
    asked, fmt = _asked(), request.path.rsplit(".", 1)[-1]
    try:
        query = _query(asked)
    except ValueError as exc:
        return refused(t, exc.args[0])
    with app.engine.connect() as conn:
        rows = search(conn, limit=10_000, **query)[:10_000]
    stores = asked["store"] or ", ".join(current_staff().report_stores() or [t["all_stores"]])
    lines = [f"{t['filters']}: {t['search_customers']}={asked['q'] or t['all']} · {L['tier']}={asked['tier'] or t['all']}"
             f" · {t['store']}={stores}"]
    return download([_table(rows, L, t)], "customers", app.today().isoformat(), fmt, lines)


def _all_stores(app) -> list[str]:
    with app.engine.connect() as conn:
        return [s for s in conn.execute(select(customers_t.c.store).distinct().order_by(customers_t.c.store)).scalars() if s]


def customer_page(customer_id: int):
    """One customer: the whole phone, tier, points balance, visits, referrals made, referral rewards owed."""
    app, t, L = env()
    with app.engine.connect() as conn:
        person = seen(conn, customer_id)
        if person is None:
            return render_template("message.html", message=t["forbidden"]), 403
        details = {"balance": points.balance(conn, customer_id, app.today()), "visits": _visits(conn, customer_id),
                   "referred": referrals_list(conn, referrer_id=customer_id, limit=100),
                   "owed": rewards.owed(conn, customer_id), "referrer": _referrer(conn, person["referrer_id"])}
    for row in details["referred"]:
        row["referee_phone"] = mask(row["referee_phone"])
    for row in details["owed"]:
        row["referee_phone"] = mask(row["referee_phone"])
    for row in details["visits"]:
        row["at"] = row["checked_in_at"].astimezone(app.settings.tz).strftime("%Y-%m-%d %H:%M")
    return render_template("manage/customer.html", picked=None, stated=[], options=None, L=L, tz=app.settings.site.timezone,
                           person=person, **details)


def _visits(conn: Connection, customer_id: int) -> list[dict]:
    """The customer's check-ins, newest first, with the event's title and store."""
    c, e = checkins_t.c, events_t.c
    rows = conn.execute(select(c.checked_in_at, e.title, e.slogan, e.store).join(events_t, e.id == c.event_id)
                        .where(c.customer_id == customer_id).order_by(c.checked_in_at.desc()).limit(100)).mappings()
    return [dict(row) for row in rows]


def _referrer(conn: Connection, referrer_id: int | None):
    if referrer_id is None:
        return None
    row = conn.execute(select(customers_t.c.name, customers_t.c.phone).where(customers_t.c.id == referrer_id)).first()
    return f"{row.name} ({mask(row.phone)})" if row else None


def staff_page():
    """Admins: every account, its role, stores and whether it is disabled (read-only; changes are `jinli staff`)."""
    app, t, L = env()
    with app.engine.connect() as conn:
        rows = accounts.list_staff(conn)
    return render_template("manage/staff.html", picked=None, stated=[], options=None, L=L, tz=app.settings.site.timezone,
                           rows=rows)


ROUTES = {"/customers": ("customers", customers_page), "/customers.csv": ("customers_csv", customers_file),
          "/customers.xlsx": ("customers_xlsx", customers_file), "/customers/<int(max=2147483647):customer_id>": ("customer", customer_page)}
