"""`campaigns validate` for domestic providers: the approved-template registry and the content rules.

For each template a campaign names: its fixed text and its sample render against the content rules
(error lines fail validation, warning lines do not); and for each domestic gateway the routes use,
the registry entry (present, same text character by character, the unsubscribe hint in a marketing
text, the signature) and the sample's variables (type, limit, no link). One line per problem, naming
the campaign file, the step and the template file.
"""

from __future__ import annotations

from datetime import date

from campaigns.compose import approval
from campaigns.context import sample_context
from campaigns.definitions import Campaign
from campaigns.occurrences import Everyone, Occurrence
from errors import ConfigError, TemplateError
from messaging.provider_rules import DOMESTIC
from messaging.render import compose_sms

UNSUBSCRIBE_WORDS = ("退订", "拒收")  # 回T退订, 拒收请回复R: what the providers accept as an unsubscribe hint


def domestic_gateways(settings) -> list[str]:
    """The domestic gateways the configuration sends through ([sms] gateway and the routes)."""
    used = set(settings.sms.routes.values()) | {settings.sms.gateway}
    return [g for g in DOMESTIC if g in used]


def registry_problem(planner) -> str | None:
    """One line when the registry or the content rules cannot be read."""
    try:
        if domestic_gateways(planner.settings):
            planner.registry
        planner.content_rules
    except ConfigError as exc:
        return str(exc)
    return None


def approval_check(planner, campaign: Campaign, today: date) -> tuple[list[str], list[str]]:
    """(problems, warnings) of the campaign's templates: content rules and, for domestic gateways, the registry."""
    problems, warnings = [], []
    for step, name in campaign.templates.items():
        if not planner.renderer.exists(name):
            continue
        where = f"{campaign.source}: templates.{step}: {planner.renderer.templates_dir / (name + '.j2')}"
        context = _context(planner, campaign, step, name, today)
        lint_problems, lint_warnings = _lint(planner, campaign, name, context, where)
        problems += lint_problems
        warnings += lint_warnings
        for gateway in domestic_gateways(planner.settings):
            problems += _registry_lines(planner, campaign, name, context, gateway, where)
    return problems, warnings


def _context(planner, campaign: Campaign, step: str, name: str, today: date) -> dict:
    occurrence = Occurrence(campaign.id, step, today, today, planner.calendar_send_at(campaign, today), name,
                            campaign.message_class, Everyone())
    return sample_context(campaign, occurrence, planner.settings.site.brand)


def _lint(planner, campaign: Campaign, name: str, context: dict, where: str) -> tuple[list[str], list[str]]:
    rules = planner.content_rules
    texts = {"the fixed text": planner.renderer.fixed_text(name)}
    try:
        sms = planner.settings.sms
        texts["the sample text"] = compose_sms(planner.renderer.render(name, context), signature=sms.signature,
                                               marketing=campaign.message_class == "marketing",
                                               unsubscribe_hint=sms.unsubscribe_hint)
    except TemplateError:
        pass  # validation's template check reports it
    seen, problems, warnings = set(), [], []
    for label, text in texts.items():
        for finding in rules.lint(text):
            if (finding.category, finding.words) in seen:
                continue
            seen.add((finding.category, finding.words))
            line = f"{where}: {finding.category} ({finding.level}): {', '.join(finding.words)} in {label} ({rules.source})"
            (problems if finding.level == "error" else warnings).append(line)
    return problems, warnings


def _registry_lines(planner, campaign: Campaign, name: str, context: dict, gateway: str, where: str) -> list[str]:
    marketing = campaign.message_class == "marketing"
    approved, problem = approval(planner, gateway, name, marketing)
    if approved is None:
        return [f"{where}: {problem}"]
    lines = [f"{where}: {problem.split(': ', 1)[1]}"] if problem else []
    if marketing and not any(word in approved.text for word in UNSUBSCRIBE_WORDS):
        lines.append(f"{approved.where} text: a marketing template needs an unsubscribe hint (回T退订, 拒收请回复R) "
                     "in its approved text")
    configured = getattr(planner.settings, gateway).sign_name.strip().strip("【】")
    if approved.sign_name and configured and approved.sign_name != configured:
        lines.append(f"{approved.where} sign_name: {approved.sign_name!r}, but jinli sends [{gateway}] sign_name "
                     f"{configured!r} as SignName")
    if not problem:
        lines += [f"{where}: sample for {gateway} {approved.code}: {p}" for p in _sample_variables(planner, approved, name, context)]
    return lines


def _sample_variables(planner, approved, name: str, context: dict) -> list[str]:
    try:
        values = planner.renderer.render_values(name, context)
    except TemplateError:
        return []  # reported by the template check
    return approved.params(values)[1]
