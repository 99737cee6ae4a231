"""The funnel baseline: the report's counts as four hand-written GROUP BY queries and a Python sum.

Same definitions as reports.funnel (see its docstring): invitations by state, the invitation SMS
delivered or sent, walk-ins, and referrals attributed to events with their first deposits.
"""

from __future__ import annotations

from collections import Counter

QUERIES = {
    ("invited", "confirmed", "attended"): """
        SELECT event_id, tier, COUNT(*), SUM(CASE WHEN state IN ('confirmed', 'attended', 'no_show') THEN 1 ELSE 0 END),
               SUM(CASE WHEN state = 'attended' THEN 1 ELSE 0 END)
        FROM invitations GROUP BY event_id, tier""",
    ("delivered",): """
        SELECT event_id, tier, COUNT(*) FROM outbox
        WHERE event_id IS NOT NULL AND step = 'invitation' AND state IN ('delivered', 'sent') GROUP BY event_id, tier""",
    ("walk_ins",): """
        SELECT c.event_id, cu.tier, COUNT(*) FROM checkins c JOIN customers cu ON cu.id = c.customer_id
        WHERE c.invitation_id IS NULL GROUP BY c.event_id, cu.tier""",
    ("referrers", "referrals", "converted", "deposits_fen"): """
        SELECT a.event_id, a.tier, COUNT(DISTINCT a.referrer_id), COUNT(*), COUNT(a.converted_on), COALESCE(SUM(a.amount), 0)
        FROM (SELECT r.event_id, r.referrer_id, r.converted_on, COALESCE(i.tier, cu.tier) AS tier,
                     (SELECT SUM(h.amount_fen) FROM holdings h
                      WHERE h.customer_id = r.referee_id AND h.start_on = r.converted_on) AS amount
              FROM referrals r JOIN customers cu ON cu.id = r.referrer_id
              LEFT JOIN invitations i ON i.event_id = r.event_id AND i.customer_id = r.referrer_id
              WHERE r.event_id IS NOT NULL) a
        GROUP BY a.event_id, a.tier""",
}


def funnel_totals(conn) -> dict[str, int]:
    """Every count of the funnel over all events, summed from (event, tier) cells as the report does."""
    cells: dict[tuple, Counter] = {}
    for names, sql in QUERIES.items():
        for event_id, tier, *values in conn.execute(sql).fetchall():
            cell = cells.setdefault((event_id, tier), Counter())
            for name, value in zip(names, values):
                cell[name] += int(value or 0)
    return dict(sum(cells.values(), Counter()))
