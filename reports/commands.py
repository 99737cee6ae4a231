"""`jinli report funnel|referrals|visits|followups`: filters in, one query, the chosen format out."""

from __future__ import annotations

import click

from app import App
from cli_params import DB_ID, HOURS, day_option, pass_app
from domain.phone import mask
from records.event_config import event_settings
from reports import followups, funnel, funnel_output, loyalty, referrals, visits
from reports.filters import TIERS, ReportFilter
from reports.labels import labels
from reports.output import emit, render_tables
from reports.render import FORMATS, Table, html_document, to_csv, to_json, to_text
from reports.xlsx import to_xlsx




def filter_options(command):
    """--campaign --event --tier --salon --store --from --to."""
    for option in reversed((
        click.option("--salon", help="only this salon's events (its slogan, e.g. 你有我也有)"),
        click.option("--store", "stores", multiple=True, help="only events of this store (repeatable)"),
        click.option("--campaign", "campaign_id", help="only this campaign's events"),
        click.option("--event", "event_id", type=DB_ID, help="only this event"),
        click.option("--tier", type=click.Choice(TIERS, case_sensitive=False), help="only this tier"),
        day_option("--from", dest="date_from", help="events from this day"),
        day_option("--to", dest="date_to", help="events up to this day, inclusive"),
    )):
        command = option(command)
    return command


def output_options(formats=FORMATS):
    def decorate(command):
        command = click.option("--format", "fmt", type=click.Choice(formats), default="table", show_default=True)(command)
        command = click.option("--output", "-o", type=click.Path(dir_okay=False), help="write to this file (png and xlsx need it; a CSV file starts with a BOM)")(command)
        return click.option("--language", type=click.Choice(("zh", "en")), help="labels (default: [site] language)")(command)
    return decorate


def _filter(campaign_id, event_id, tier, date_from, date_to, salon=None, stores=()) -> ReportFilter:
    return ReportFilter(campaign_id, event_id, tier.upper() if tier else None, date_from, date_to, salon, tuple(stores) or None)


def _meta(L: dict, filt: ReportFilter | None = None, **more) -> list[str]:
    """The lines an exported report starts with: its filters and period, in the report's language."""
    shown = {k: v for k, v in (filt.describe() if filt else {}).items() if k not in ("date_from", "date_to")}
    shown.update({k: v for k, v in more.items() if v is not None})
    lines = [f"{L['filters']}: " + (", ".join(f"{k}={v}" for k, v in shown.items()) or L["none"])]
    date_from, date_to = (filt.date_from, filt.date_to) if filt else (more.get("date_from"), more.get("date_to"))
    lines.append(f"{L['period']}: {date_from or '…'} – {date_to or '…'}" if date_from or date_to else f"{L['period']}: {L['all']}")
    return lines


@click.group("report")
def report_group() -> None:
    """Reports: the event funnel, referrals, visits before conversion, the 72-hour follow-up list, points, rewards, tiers."""


@report_group.command("funnel")
@filter_options
@click.option("--by", type=click.Choice(funnel.GROUPINGS), help="one row per campaign, event, kind (salon, banquet, event), tier, salon, store or week")
@output_options(FORMATS + ("png",))
@pass_app
def report_funnel(app: App, campaign_id, event_id, tier, salon, stores, date_from, date_to, by, fmt, output, language) -> None:
    """invited → delivered → confirmed → attended → referrers → referrals → converted → deposits, with rates."""
    filt = _filter(campaign_id, event_id, tier, date_from, date_to, salon, stores)
    settings = event_settings(app.settings)
    with app.engine.connect() as conn:
        report = funnel.funnel(conn, filt, by, app.settings.tz, settings.count_sent_as_delivered)
    emit(funnel_output.render_funnel(report, fmt, language or app.settings.site.language, app.now()), output, fmt)


@report_group.command("referrals")
@filter_options
@click.option("--by", type=click.Choice(("campaign", "salon", "store")), default="campaign", show_default=True,
              help="viral coefficient per campaign, salon or store")
@click.option("--limit", default=20, show_default=True, help="leaderboard length")
@output_options()
@pass_app
def report_referrals(app: App, campaign_id, event_id, tier, salon, stores, date_from, date_to, by, limit, fmt, output,
                     language) -> None:
    """Leaderboard, chain generations, referrals per attendee (viral coefficient)."""
    filt = _filter(campaign_id, event_id, tier, date_from, date_to, salon, stores)
    L = labels(language or app.settings.site.language)
    with app.engine.connect() as conn:
        leaders = referrals.leaderboard(conn, filt, app.settings.tz, limit)
        chains = referrals.generations(conn)
        virals = referrals.viral(conn, filt, app.settings.tz, by)
    if fmt == "json":
        emit(to_json({"filters": filt.describe(), "leaderboard": _masked(leaders),
                       "generations": chains, "viral": [v.as_dict() for v in virals]}), output, fmt)
        return
    tables = [_leaders_table(leaders, L), _viral_table(virals, L, by), _generations_table(chains, L)]
    emit(render_tables(tables, fmt, L["referrals_report"], language or app.settings.site.language, _meta(L, filt)), output, fmt)


def _masked(leaders) -> list[dict]:
    """The leaderboard as every format shows it: phones masked (only the follow-up call list shows them whole)."""
    return [{**x.as_dict(), "phone": mask(x.phone)} for x in leaders]


def _leaders_table(leaders, L) -> Table:
    rows = _masked(leaders)
    columns = [("rank", L["rank"]), ("name", L["name"]), ("phone", L["phone"]), ("referrals", L["referrals"]),
               ("converted", L["converted"]), ("deposits_fen", L["deposits_fen"]), ("downline", L["downline"]),
               ("depth", L["depth"])]
    kinds = {"rank": "int", "referrals": "int", "converted": "int", "deposits_fen": "fen", "downline": "int", "depth": "int"}
    return Table(L["referrals_report"], columns, rows, kinds)


def _viral_table(virals, L, by) -> Table:
    columns = [("key", L[by]), ("attendees", L["attendees"]), ("referrers", L["referrers"]),
               ("referrals", L["referrals"]), ("converted", L["converted"]), ("viral", L["viral"]),
               ("rewards_owed", L["rewards_owed"]), ("rewards_given", L["rewards_given"])]
    kinds = {"attendees": "int", "referrers": "int", "referrals": "int", "converted": "int", "viral": "ratio",
             "rewards_owed": "int", "rewards_given": "int"}
    rows = [v.as_dict() for v in virals]
    for row in rows[-1:]:  # the total row, labelled in the report's language
        row["key"] = L["total"]
    return Table(L["viral"], columns, rows, kinds)


def _generations_table(chains: dict[int, int], L) -> Table:
    rows = [{"generation": depth, "customers": count} for depth, count in chains.items()]
    return Table(L["chains"], [("generation", L["generation"]), ("customers", L["customers"])], rows,
                 {"generation": "int", "customers": "int"})


@report_group.command("visits")
@day_option("--from", dest="date_from", help="first deposits from this day")
@day_option("--to", dest="date_to", help="first deposits up to this day, inclusive")
@click.option("--store", "stores", multiple=True, help="only customers of this store (repeatable)")
@output_options()
@pass_app
def report_visits(app: App, date_from, date_to, stores, fmt, output, language) -> None:
    """How many visits preceded each conversion (三次面缘: usually three)."""
    L = labels(language or app.settings.site.language)
    with app.engine.connect() as conn:
        report = visits.visits_before_conversion(conn, app.settings.tz, date_from, date_to, tuple(stores) or None)
    if fmt == "json":
        emit(to_json(report.as_dict()), output, fmt)
        return
    columns = [("visits", L["visits"]), ("conversions", L["conversions"]), ("share", L["share"]), ("cumulative", L["cumulative"])]
    table = Table(L["visits_report"], columns, report.rows(), {"visits": "int", "conversions": "int", "share": "pct", "cumulative": "pct"})
    summary = (f"{L['conversions']}: {report.conversions} · {L['mean_visits']}: {report.mean if report.mean is not None else '–'}"
               f" · {L['three_or_more']}: {_pct(report.share_at_least(3))}")
    if fmt == "table":
        emit(to_text([table], [summary]), output, fmt)
    elif fmt == "xlsx":
        emit(to_xlsx([table], _meta(L, date_from=date_from, date_to=date_to) + [summary]), output, fmt)
    else:
        emit(to_csv(table) if fmt == "csv" else html_document(L["visits_report"], [summary], [], [table], language or app.settings.site.language), output, fmt)


def _pct(value) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


@report_group.command("followups")
@click.option("--event", "event_id", type=DB_ID, help="only this event's attendees")
@click.option("--hours", type=HOURS, help="the window (default: [events] followup_hours, 72)")
@output_options()
@pass_app
def report_followups(app: App, event_id, hours, fmt, output, language) -> None:
    """Attendees inside the 72-hour window who have not deposited: name, phone, referrer, time left."""
    L = labels(language or app.settings.site.language)
    window = hours or event_settings(app.settings).followup_hours
    with app.engine.connect() as conn:
        found = followups.followup_candidates(conn, event_id, app.now(), window, app.settings.tz)
    if fmt == "json":
        emit(to_json([c.as_dict() for c in found]), output, fmt)
        return
    rows = [{**c.as_dict(), "checked_in_at": c.checked_in_at.astimezone(app.settings.tz).strftime("%m-%d %H:%M"),
             "opted_out": L["opted_out"] if c.opted_out else ""} for c in found]
    columns = [("name", L["name"]), ("phone", L["phone"]), ("tier", L["tier"]), ("event_title", L["event"]),
               ("checked_in_at", L["checked_in_at"]), ("hours_left", L["hours_left"]), ("referrer_name", L["referrer"]),
               ("referrer_phone", L["referrer_phone"]), ("opted_out", L["opted_out"])]
    table = Table(L["followups"], columns, rows, {"hours_left": "ratio"})
    meta = _meta(L, event=event_id, hours=window)
    emit(render_tables([table], fmt, L["followups"], language or app.settings.site.language, meta), output, fmt)


@report_group.command("points")
@click.option("--by", type=click.Choice(loyalty.GROUPINGS), help="one row per store or per month")
@day_option("--date", dest="as_of", aliases=("--as-of",), help="the day the balances are taken (default: today)")
@output_options(("table", "csv", "json", "xlsx"))
@pass_app
def report_points(app: App, by, as_of, fmt, output, language) -> None:
    """Loyalty points earned, spent, expired and outstanding, in total or by store or month."""
    L = labels(language or app.settings.site.language)
    as_of = as_of or app.today()
    with app.engine.connect() as conn:
        rows = loyalty.points_report(conn, as_of, by)
    if fmt == "json":
        emit(to_json({"as_of": as_of.isoformat(), "by": by, "rows": [row.as_dict() for row in rows]}), output, fmt)
        return
    names = ("earned", "spent", "expired", "outstanding")
    data = [{**row.as_dict(), "key": L["total"] if row.key == "total" else row.key} for row in rows]
    table = Table(f"{L['points_report']} · {L['as_of']} {as_of.isoformat()}", [("key", L.get(by, L["key"]))]
                  + [(name, L[name]) for name in names], data, {name: "int" for name in names})
    emit(render_tables([table], fmt, L["points_report"], language or app.settings.site.language, [f"{L['as_of']} {as_of.isoformat()}"]), output, fmt)


@report_group.command("rewards")
@click.option("--state", type=click.Choice(("owed", "given", "cancelled")), help="only rewards in this state")
@click.option("--campaign", "campaign_id", help="only referrals attributed to this campaign")
@click.option("--event", "event_id", type=int, help="only referrals attributed to this event")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@output_options(("table", "csv", "json"))
@pass_app
def report_rewards(app: App, state, campaign_id, event_id, limit, fmt, output, language) -> None:
    """Referral rewards owed, given and cancelled: referrer, referee, the event and campaign of the referral."""
    L = labels(language or app.settings.site.language)
    with app.engine.connect() as conn:
        rows = loyalty.rewards_list(conn, state, campaign_id, event_id, limit)
        counts = loyalty.reward_counts(conn, campaign_id, event_id)
    shown = [_reward_row(row, app, L if fmt != "json" else None) for row in rows]
    if fmt == "json":
        emit(to_json({"counts": counts, "rewards": shown}), output, fmt)
        return
    columns = [(name, L[name]) for name in ("reward_id", "state", "gift", "owed_on", "referrer", "referrer_phone",
                                            "referee", "referee_phone", "event", "campaign", "given_by", "given_at",
                                            "cancelled_on")]
    table = Table(L["rewards_report"], columns, shown)
    summary = " · ".join(f"{L[name]}: {count}" for name, count in counts.items())
    emit(to_text([table], [summary]) if fmt == "table" else to_csv(table), output, fmt)


def _reward_row(row: dict, app: App, L: dict | None) -> dict:
    """A reward as shown: phones masked, the state labelled (kept raw for JSON), times local."""
    given_at = row["given_at"].astimezone(app.settings.tz).strftime("%Y-%m-%d %H:%M") if row["given_at"] else None
    return {"reward_id": row["id"], "state": L[row["state"]] if L else row["state"], "gift": row["gift"],
            "owed_on": row["owed_on"].isoformat(), "referrer": row["referrer_name"], "referrer_phone": mask(row["referrer_phone"]),
            "referee": row["referee_name"], "referee_phone": mask(row["referee_phone"]), "event": row["event_id"],
            "campaign": row["campaign_id"], "given_by": row["given_by"], "given_at": given_at,
            "cancelled_on": row["cancelled_on"].isoformat() if row["cancelled_on"] else None}


@report_group.command("tiers")
@click.option("--changes", is_flag=True, help="list the tier changes (downs first): customer, store, old → new, when")
@day_option("--since", dest="since", help="only changes from this day on (with --changes)")
@output_options(("table", "csv", "json"))
@pass_app
def report_tiers(app: App, changes, since, fmt, output, language) -> None:
    """Customers per tier; with --changes, who moved up or down a tier (tier_down goes to staff, not to the customer)."""
    from records import tier_moves, tiers

    L = labels(language or app.settings.site.language)
    with app.engine.connect() as conn:
        rows = tier_moves.changes(conn, since) if changes else None
        counts = None if changes else tiers.tier_counts(conn)
    if counts is not None:
        data = [{"tier": tier, "customers": n} for tier, n in counts.items()]
        table = Table(L["tiers_report"], [("tier", L["tier"]), ("customers", L["customers"])], data, {"customers": "int"})
        emit(to_json({"tiers": counts}) if fmt == "json" else to_text([table]) if fmt == "table" else to_csv(table), output, fmt)
        return
    shown = [_change_row(row, app, L if fmt != "json" else None) for row in rows]
    if fmt == "json":
        emit(to_json({"since": since.isoformat() if since else None, "changes": shown}), output, fmt)
        return
    names = ("direction", "name", "phone", "store", "old_tier", "new_tier", "changed_on", "change_reason")
    table = Table(L["tier_changes"], [(name, L[name]) for name in names], shown)
    emit(to_text([table]) if fmt == "table" else to_csv(table), output, fmt)


def _change_row(row: dict, app: App, L: dict | None) -> dict:
    """A tier change as shown: phone masked, the direction labelled (raw for JSON)."""
    return {"customer_id": row["customer_id"], "direction": L[row["direction"]] if L else row["direction"],
            "name": row["name"], "phone": mask(row["phone"]), "store": row["store"], "old_tier": row["old_tier"],
            "new_tier": row["new_tier"], "changed_on": row["changed_on"].isoformat(), "change_reason": row["reason"]}
