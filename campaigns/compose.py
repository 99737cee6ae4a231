"""One recipient's message: routed by destination, rendered, and for a domestic provider turned into the
approved template's code and variables.

Through Twilio (or the file and console gateways) a text is the rendered template with the signature and,
for marketing texts, the unsubscribe hint. Through aliyun or tencent it is the registry's approved text
filled with the template's {{ expression }} values: the provider receives only the code and the
variables; the body keeps 【signature】 + the filled text, as the phone shows it, for segments and cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.audience import Candidate
from campaigns.context import ContextMaker
from campaigns.definitions import Campaign
from campaigns.occurrences import Occurrence
from errors import TemplateTooLong
from messaging.gateways import gateway_name_for
from messaging.provider_rules import is_domestic
from messaging.registry import Approved
from messaging.render import _bracketed, compose_sms
from messaging.segments import count_segments
from messaging.template_shape import mismatch
from records.links import preview_urls

TOO_LONG = "too_long"  # the rendered text is over [sms] max_segments (or max_render_chars)
NO_TEMPLATE = "no_template"  # no approved template in the registry for the gateway, or the template no longer matches it
BAD_VARIABLE = "bad_variable"  # a variable over its limit, of the wrong type, or holding a link


@dataclass(frozen=True)
class Composed:
    """A recipient's message, or why it cannot be sent (``body`` None and a ``reason``)."""

    body: str | None
    segments: int
    gateway: str
    template_code: str | None = None
    params: dict[str, str] | None = None
    reason: str | None = None
    detail: str = ""


class Composer:
    """The messages of one occurrence's recipients; what they share (context, approved template) is prepared once."""

    def __init__(self, planner, campaign: Campaign, occurrence: Occurrence):
        self.planner, self.settings, self.template = planner, planner.settings, occurrence.template
        self.marketing = occurrence.message_class == "marketing"
        boundary = getattr(campaign.spec, "boundary", None) or planner.calendar.zodiac_boundary
        self.make_context = ContextMaker(campaign, occurrence, self.settings.site.brand, boundary, planner.calendar.feb29,
                                         planner.renderer.attributes_read(occurrence.template, "occurrence"))
        self._approval: dict[str, tuple[Approved | None, str]] = {}
        # Previews and samples read stand-in links (rsvp_url, optout_url); planning passes each recipient's own.
        self.stand_in = preview_urls(planner.link_variables(occurrence), self.settings.public_base_url)

    def __call__(self, candidate: Candidate, extra: dict | None = None, links: dict | None = None) -> Composed:
        context = {**self.make_context(candidate, extra), **(self.stand_in if links is None else links)}
        return self.compose(candidate.customer["phone"], context)

    def compose(self, phone: str, context: dict) -> Composed:
        """The message to ``phone`` rendered with ``context``."""
        gateway = gateway_name_for(self.settings, phone)
        if is_domestic(gateway):
            return self._domestic(gateway, context)
        sms = self.settings.sms
        try:
            body = compose_sms(self.planner.renderer.render(self.template, context), marketing=self.marketing,
                               signature=sms.signature, unsubscribe_hint=sms.unsubscribe_hint)
        except TemplateTooLong:
            return Composed(None, 0, gateway, reason=TOO_LONG)
        return self._checked(Composed(body, 0, gateway))

    def approval(self, gateway: str) -> tuple[Approved | None, str]:
        """The approved template for ``gateway`` and, when it cannot be used, why."""
        if gateway not in self._approval:
            self._approval[gateway] = approval(self.planner, gateway, self.template, self.marketing)
        return self._approval[gateway]

    def _domestic(self, gateway: str, context: dict) -> Composed:
        approved, problem = self.approval(gateway)
        if problem:
            return Composed(None, 0, gateway, reason=NO_TEMPLATE, detail=problem)
        try:
            values = self.planner.renderer.render_values(self.template, context)
        except TemplateTooLong:
            return Composed(None, 0, gateway, approved.code, reason=TOO_LONG)
        params, problems = approved.params(values)
        if problems:
            return Composed(None, 0, gateway, approved.code, params, reason=BAD_VARIABLE, detail=problems[0])
        body = signature_for(self.settings, gateway, approved) + approved.fill(params)
        return self._checked(Composed(body, 0, gateway, approved.code, params))

    def _checked(self, found: Composed) -> Composed:
        segments = count_segments(found.body).count
        if segments > self.settings.sms.max_segments:
            return Composed(None, segments, found.gateway, found.template_code, found.params, reason=TOO_LONG)
        return Composed(found.body, segments, found.gateway, found.template_code, found.params)


def approval(planner, gateway: str, template: str, marketing: bool) -> tuple[Approved | None, str]:
    """The registry's entry for (gateway, template) and why it cannot be used ("" when it can)."""
    registry = planner.registry
    approved = registry.find(gateway, template)
    if approved is None:
        return None, f"no approved {gateway} template for {template!r} in {registry.source}"
    hint = planner.settings.sms.unsubscribe_hint.strip() if marketing else ""
    problem = mismatch(planner.renderer.shape(template), approved, hint)
    return approved, (f"{planner.renderer.templates_dir / (template + '.j2')}: {problem}" if problem else "")


def signature_for(settings, gateway: str, approved: Approved) -> str:
    """The 【signature】 the provider puts in front: the gateway's SignName (else the entry's, else [sms] signature)."""
    name = getattr(settings, gateway).sign_name.strip().strip("【】") or approved.sign_name
    return _bracketed(name) if name else _bracketed(settings.sms.signature.strip())
