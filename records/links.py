"""RSVP and one-tap opt-out links: their tokens, what opening one records, and what its buttons do.

A link names its invitation (rsvp) or customer (optout) through an unguessable token: 10 letters and
digits from ``secrets`` (62^10 ≈ 8·10^17), never the check-in code or an id. Opening a link only
counts it (link scanners in phones and chat apps open every URL); the page's buttons POST the answer.
A confirmation through the page moves the invitation exactly as a reply of 1 / 参加 does.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from errors import ConfigError
from messaging.optouts import opt_out
from records import models
from records.events import OPEN_STATES, REPLY_STATES

links_t = models.LinkToken.__table__
invitations_t = models.Invitation.__table__
events_t = models.Event.__table__
customers_t = models.Customer.__table__
ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 10
PATHS = {"rsvp": "/r/", "optout": "/u/"}
# The whole link (Twilio, the file gateway), or only its token: a domestic provider's approved text holds the
# link's base as fixed text and only the token as a variable (no URL may sit inside a variable there).
LINK_VARIABLES = {"rsvp_url": "rsvp", "optout_url": "optout", "rsvp_token": "rsvp", "optout_token": "optout"}


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def link_token(conn: Connection, kind: str, customer_id: int, invitation_id: int | None, now: datetime) -> str:
    """The token of the customer's link of ``kind`` (one per invitation, or per customer for opt-out), made on first use."""
    t = links_t.c
    owner = t.invitation_id == invitation_id if kind == "rsvp" else t.customer_id == customer_id
    found = conn.execute(select(t.token).where(t.kind == kind, owner)).scalar()
    if found:
        return found
    token = new_token()
    while conn.execute(select(t.id).where(t.token == token)).first() is not None:
        token = new_token()
    conn.execute(insert(links_t).values(token=token, kind=kind, customer_id=customer_id, invitation_id=invitation_id,
                                        created_at=now, opens=0))
    return token


def link_urls(conn: Connection, wanted: frozenset[str], base_url: str, customer_id: int, invitation_id: int | None,
              now: datetime, template: str = "") -> dict[str, str]:
    """The link variables a template reads (``rsvp_url``, ``optout_url``) for one recipient; tokens made as needed."""
    if not wanted:
        return {}
    whole = sorted(v for v in wanted if v.endswith("_url"))
    if whole and not base_url:
        raise ConfigError(f"templates/{template}: reads {', '.join(whole)} but [site] public_base_url is not set")
    urls = {}
    for variable in sorted(wanted):
        kind = LINK_VARIABLES[variable]
        if kind == "rsvp" and invitation_id is None:
            raise ConfigError(f"templates/{template}: reads {variable}, but this step invites nobody to an event")
        token = link_token(conn, kind, customer_id, invitation_id, now)
        urls[variable] = base_url + PATHS[kind] + token if variable.endswith("_url") else token
    return urls


def preview_urls(wanted: frozenset[str], base_url: str) -> dict[str, str]:
    """Stand-in links and tokens for previews and validation samples (same length as real ones)."""
    stand_in = "X" * TOKEN_LENGTH
    return {v: (base_url or "https://example.cn") + PATHS[LINK_VARIABLES[v]] + stand_in if v.endswith("_url") else stand_in
            for v in wanted}


def find_link(conn: Connection, kind: str, token: str) -> RowMapping | None:
    """The link of ``kind`` holding ``token`` (None for anything else, however malformed)."""
    if not (0 < len(token) <= 12 and token.isascii() and token.isalnum()):
        return None
    t = links_t.c
    return conn.execute(select(links_t).where(t.token == token, t.kind == kind)).mappings().first()


def record_open(conn: Connection, link_id: int, now: datetime) -> None:
    """Count one opening of the link; the only thing a GET changes."""
    t = links_t.c
    conn.execute(update(links_t).where(t.id == link_id).values(
        opens=t.opens + 1, first_opened_at=func.coalesce(t.first_opened_at, now)))


def invitation_view(conn: Connection, invitation_id: int) -> RowMapping:
    """The invitation with its event (title, slogan, start, venue) and the customer's name, for the page."""
    i, e, c = invitations_t.c, events_t.c, customers_t.c
    return conn.execute(
        select(i.id, i.state, e.title, e.slogan, e.starts_at, e.venue, c.name)
        .join(events_t, e.id == i.event_id).join(customers_t, c.id == i.customer_id).where(i.id == invitation_id)
    ).mappings().one()


def answer_invitation(conn: Connection, link: RowMapping, intent: str, now: datetime) -> str | None:
    """Confirm or decline the link's invitation as a reply would (open states only, until the event starts).

    Returns the new state, or None when it can no longer change (attended, no-show, the event began).
    """
    i, e = invitations_t.c, events_t.c
    started = select(e.id).where(e.id == i.event_id, e.starts_at <= now).exists()
    state = REPLY_STATES[intent]
    moved = conn.execute(update(invitations_t).where(i.id == link["invitation_id"], i.state.in_(OPEN_STATES), ~started)
                         .values(state=state, replied_at=now)).rowcount
    _answered(conn, link["id"], now)
    return state if moved else None


def opt_out_by_link(conn: Connection, link: RowMapping, now: datetime) -> None:
    """The 退订 button: the customer opts out at once, recorded with the source 'link'."""
    phone = conn.execute(select(customers_t.c.phone).where(customers_t.c.id == link["customer_id"])).scalar_one()
    if not customer_opted_out(conn, link["customer_id"]):
        opt_out(conn, link["customer_id"], phone, "link", now, f"opt-out link {link['id']}")
    _answered(conn, link["id"], now)


def _answered(conn: Connection, link_id: int, now: datetime) -> None:
    conn.execute(update(links_t).where(links_t.c.id == link_id).values(answered_at=now))



def customer_opted_out(conn: Connection, customer_id: int) -> bool:
    return bool(conn.execute(select(customers_t.c.opted_out).where(customers_t.c.id == customer_id)).scalar())
