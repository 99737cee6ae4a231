"""Warnings for audience names that match nobody: a store or product no customer has, a term no holding
has, recipients-file rows naming no customer. Each would make a campaign silently send to fewer people."""

from __future__ import annotations

from sqlalchemy import Connection, select

from campaigns.definitions import Campaign
from campaigns.kind_specs import BroadcastSpec
from domain.phone import mask
from records import models

customers_t = models.Customer.__table__
holdings_t = models.Holding.__table__
SHOWN = 5  # unmatched recipients named in a warning line


def audience_warnings(conn: Connection, campaign: Campaign) -> list[str]:
    """One line per unmatched store, product, term and per kind of unmatched recipient."""
    audience, where = campaign.audience, f"{campaign.source}: audience"
    lines = [f"{where}.stores: {name!r} matches no customer{_known(conn, customers_t.c.store)}"
             for name in _unmatched(conn, customers_t.c.store, audience.stores)]
    lines += [f"{where}.products: {name!r} matches no holding{_known(conn, holdings_t.c.product)}"
              for name in _unmatched(conn, holdings_t.c.product, audience.products)]
    lines += [f"{where}.terms: {term!r} matches no holding" for term in _unmatched(conn, holdings_t.c.term, audience.terms)]
    if isinstance(campaign.spec, BroadcastSpec) and campaign.spec.recipients:
        lines += _recipient_warnings(conn, campaign.spec)
    return lines


def _unmatched(conn: Connection, column, names) -> list[str]:
    if not names:
        return []
    found = set(conn.execute(select(column).where(column.in_(sorted(names))).distinct()).scalars())
    return sorted(set(names) - found)


def _known(conn: Connection, column) -> str:
    names = list(conn.execute(select(column).where(column != "").distinct().order_by(column).limit(SHOWN + 1)).scalars())
    shown = ", ".join(names[:SHOWN]) + (" …" if len(names) > SHOWN else "")
    return f" (known: {shown})" if names else " (none recorded)"


def _recipient_warnings(conn: Connection, spec: BroadcastSpec) -> list[str]:
    """Rows of the recipients file whose phone, id or code is no customer's (phones masked)."""
    r, c = spec.recipients, customers_t.c
    lines = []
    for label, rows, column, show in (("phone", r.phones, c.phone, mask), ("customer id", r.ids, c.id, str),
                                      ("code", r.codes, c.referral_code, str)):
        missing = set(_unmatched(conn, column, {value for _, value in rows}))
        unknown = [(line, value) for line, value in rows if value in missing]
        if unknown:
            named = ", ".join(f"line {line} {show(value)}" for line, value in unknown[:SHOWN])
            more = f" and {len(unknown) - SHOWN} more" if len(unknown) > SHOWN else ""
            lines.append(f"{r.path}: {len(unknown)} {label}(s) match no customer and get no text: {named}{more}")
    return lines
