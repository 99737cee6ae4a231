"""`jinli campaigns preview` of a trigger campaign: the texts its next scan would plan, written nowhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from campaigns.definitions import Campaign, load_campaigns
from campaigns.planning import Planner
from campaigns.run import PreviewOccurrence, _recipient, _who, _why_not
from campaigns.trigger_scan import preview_state, scan
from campaigns.triggers import _ladder, compose_all, occurrence_for


def preview_triggers(conn: Connection, planner: Planner, campaign: Campaign, now: datetime) -> list[PreviewOccurrence]:
    """One occurrence: each record due a text at ``now`` with its recipient's text, or why none."""
    campaigns, _ = load_campaigns(planner.settings.campaigns_path)
    found = scan(conn, campaign, preview_state(conn, campaign, now), now, planner.calendar.tz, _ladder(planner))
    planned = compose_all(conn, planner, campaign, campaigns, found.fired, now, write_invitations=False)
    occurrence = occurrence_for(planner, campaign, now, frozenset())
    item = PreviewOccurrence(occurrence, planner.due_at(occurrence))
    for p in planned:
        who = {**_who(p.candidate.customer, occurrence.on), "trigger_record": p.fired.record_id}
        if p.reason is None:
            item.recipients.append(_recipient(planner, who, p.found, p.due_at, False))
        elif p.found is not None:
            item.excluded.append(_why_not(who, p.found))
        else:
            item.excluded.append({**who, "reason": p.reason})
    return [item]
