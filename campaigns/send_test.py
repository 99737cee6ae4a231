"""`jinli send-test PHONE --campaign ID [--step S]`: one rendered sample to a staff phone, outside the outbox.

The sample is the one `campaigns validate` renders (the sample customer); it goes through the gateway
that routes the staff phone, as a template code and variables for a domestic provider. Nothing is
written to the outbox; the audit trail records who sent which test, and the provider's answer is printed.
"""

from __future__ import annotations

import click

from app import App
from campaigns.approval import _context
from campaigns.commands import _one_campaign
from campaigns.compose import Composed, Composer
from campaigns.occurrences import Everyone, Occurrence
from campaigns.planning import Planner
from cli_params import pass_app
from cli_text import reason, text, word
from errors import CampaignError, GatewayError, InvalidValue
from domain.phone import mask, parse_mobile
from records import audit
from records.transactions import write_transaction

TEST_MESSAGE_ID = 0  # OutId / SessionContext of a test: matches no outbox row


@click.command("send-test")
@click.argument("phone")
@click.option("--campaign", "campaign_id", required=True, help="the campaign whose template is sent")
@click.option("--step", help="the step whose template is sent (default: the campaign's first)")
@pass_app
def send_test_command(app: App, phone: str, campaign_id: str, step: str | None) -> None:
    """Send one rendered sample of a campaign's template to a staff phone, outside the outbox."""
    from messaging.gateways import OutgoingSms, single_gateway

    to = parse_mobile(phone, app.settings.site.phone_region)
    planner = Planner.from_settings(app.settings)
    campaign = _one_campaign(app, campaign_id)
    step, found = _sample(app, planner, campaign, step, to)
    sms = OutgoingSms(TEST_MESSAGE_ID, to, found.body, None, found.template_code, found.params)
    detail = {"campaign": campaign.id, "step": step, "template": campaign.templates[step], "gateway": found.gateway,
              "to": mask(to), "template_code": found.template_code, "template_params": found.params, "body": found.body}
    try:
        result = single_gateway(app.settings, found.gateway).send(sms)
    except GatewayError as exc:
        _audit(app, campaign.id, {**detail, "outcome": f"refused: {exc}"})
        raise
    _audit(app, campaign.id, {**detail, "outcome": "sent", "provider_id": result.provider_id})
    code = text("send_test_template", code=found.template_code) if found.template_code else ""
    click.echo(text("send_test_sent", campaign=campaign.id, step=step, to=mask(to), gateway=found.gateway, code=code,
                    provider_id=result.provider_id, status=word("state", result.status)))
    click.echo(f"  {found.body}")


def _sample(app: App, planner: Planner, campaign, step: str | None, to: str) -> tuple[str, Composed]:
    """The step and its sample message to ``to``; one line when it cannot be sent."""
    steps = list(campaign.templates)
    step = step or (steps[0] if steps else None)
    if step not in campaign.templates:
        raise InvalidValue(f"campaign {campaign.id!r} has no step {step!r} (steps: {', '.join(steps) or 'none'})",
                           key="send_test_no_step", campaign=campaign.id, step=step, steps=", ".join(steps) or "-")
    name, today = campaign.templates[step], app.today()
    occurrence = Occurrence(campaign.id, step, today, today, planner.calendar_send_at(campaign, today), name,
                            campaign.message_class, Everyone())
    found = Composer(planner, campaign, occurrence).compose(to, _context(planner, campaign, step, name, today))
    if found.body is None:
        why = f": {found.detail}" if found.detail else ""
        raise CampaignError(f"campaign {campaign.id} · {step}: the sample cannot be sent through {found.gateway} "
                            f"({found.reason}{why})", key="send_test_cannot", campaign=campaign.id, step=step,
                            gateway=found.gateway, reason=reason(found.reason), why=why)
    return step, found


def _audit(app: App, campaign_id: str, detail: dict) -> None:
    with write_transaction(app.engine) as conn:
        audit.record(conn, actor=audit.os_actor(), action="sms.send_test", subject="campaign", subject_id=campaign_id,
                     now=app.now(), detail=detail)
