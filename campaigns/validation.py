"""`jinli campaigns validate`: every file, every template, rendered against a sample customer."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from campaigns.approval import approval_check, registry_problem
from campaigns.audience_check import audience_warnings
from campaigns.context import sample_context
from campaigns.definitions import Campaign, load_campaigns
from campaigns.occurrences import Everyone, Occurrence
from campaigns.planning import Planner
from errors import TemplateError
from messaging.render import compose_sms
from messaging.segments import count_segments


def validate_all(planner: Planner, today: date, conn: Connection | None = None) -> tuple[list[Campaign], list[str], list[str]]:
    """The valid campaigns, one problem line per file, key or template, and one line per warning
    (content rules at warning level; with ``conn``, audience names that match no customer)."""
    campaigns, problems = load_campaigns(planner.settings.campaigns_path)
    broken = registry_problem(planner)
    warnings = []
    for campaign in campaigns:
        if conn is not None:
            warnings += audience_warnings(conn, campaign)
        problems += template_problems(planner, campaign, today)
        if broken is None:
            found, warned = approval_check(planner, campaign, today)
            problems += found
            warnings += warned
    return campaigns, problems + ([broken] if broken else []), warnings


def missing_templates(planner: Planner, campaign: Campaign) -> list[str]:
    """One line per template the campaign names that is not a file in the templates folder."""
    return [f"{campaign.source}: templates.{step}: unknown template {name!r} "
            f"(no {planner.renderer.templates_dir / (name + '.j2')})"
            for step, name in campaign.templates.items() if not planner.renderer.exists(name)]


def template_problems(planner: Planner, campaign: Campaign, today: date) -> list[str]:
    problems = missing_templates(planner, campaign)
    for step, name in campaign.templates.items():
        where = f"{campaign.source}: templates.{step}"
        if not planner.renderer.exists(name):
            continue
        try:
            text = _sample_text(planner, campaign, step, name, today)
        except TemplateError as exc:
            problems.append(f"{where}: {exc}")
            continue
        segments = count_segments(text).count
        if segments > planner.settings.sms.max_segments:
            problems.append(f"{where}: template {name!r} renders {segments} SMS segments for the sample customer, "
                            f"over [sms] max_segments = {planner.settings.sms.max_segments}")
    return problems


def _sample_text(planner: Planner, campaign: Campaign, step: str, name: str, today: date) -> str:
    occurrence = Occurrence(campaign.id, step, today, today, planner.calendar_send_at(campaign, today), name,
                            campaign.message_class, Everyone())
    body = planner.renderer.render(name, sample_context(campaign, occurrence, planner.settings.site.brand))
    sms = planner.settings.sms
    return compose_sms(body, marketing=campaign.message_class == "marketing", signature=sms.signature,
                       unsubscribe_hint=sms.unsubscribe_hint)
