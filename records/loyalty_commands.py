"""`jinli points recompute|show|adjust|redeem` and `jinli rewards give`: parse, call one use case, print."""

from __future__ import annotations

from datetime import date

import click

import cli_format as output
from app import App
from cli_output import format_options
from cli_params import day_option, pass_app
from cli_text import text, word
from records import audit, loyalty, points, record_views, rewards
from records.lookup import find_customer
from records.transactions import write_transaction



# ---------------------------------------------------------------- points
@click.group("points")
def points_group() -> None:
    """Loyalty points (积分): recompute, show, adjust, redeem."""


@points_group.command("recompute")
@day_option("--date", dest="as_of", aliases=("--as-of",), help="award for the records up to this date (default: today)")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def points_recompute(app: App, as_of: date | None, as_json: bool) -> None:
    """Award points and referral rewards from the records (idempotent); print what was new."""
    with app.engine.begin() as conn:
        run = loyalty.recompute(conn, app.settings.loyalty, as_of or app.today(), app.settings.tz, app.now())
    output.print_json(run.as_dict()) if as_json else click.echo(_recomputed(run))


def _recomputed(run) -> str:
    """What a points recompute awarded, in the site's language."""
    rules = text("list_sep").join(f"{word('points_reason', rule)} {n}" for rule, n in run.earned.items())
    return text("points_recomputed", day=run.as_of.isoformat(), count=sum(run.earned.values()), rules=rules,
                owed=run.rewards["owed"], cancelled=run.rewards["cancelled"])


@points_group.command("show")
@click.argument("customer")
@day_option("--date", dest="as_of", aliases=("--as-of",), help="the balance on this date (default: today)")
@format_options()
@pass_app
def points_show(app: App, customer: str, as_of: date | None, fmt: str, output: str | None) -> None:
    """A customer's balance, each earning and spending with its expiry, and the rewards within reach."""
    with app.engine.connect() as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region)
        found = points.statement(conn, app.settings.loyalty, person["id"], as_of or app.today())
        owed = rewards.owed(conn, person["id"])
    record_views.statement(person, found, owed, fmt, output)



@points_group.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("customer")
@click.argument("delta", type=int, metavar="±N")
@click.option("--reason", required=True, help="why (kept in the ledger and the audit trail)")
@pass_app
def points_adjust(app: App, customer: str, delta: int, reason: str) -> None:
    """Correct a balance by hand: +N adds points, -N takes them (oldest first); audit trail."""
    with write_transaction(app.engine) as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region)
        points.adjust(conn, person["id"], delta, reason, app.settings.loyalty, app.today(), app.now(), audit.os_actor())
        left = points.balance(conn, person["id"], app.today())
    click.echo(text("points_adjusted", name=person["name"], phone=output.mask(person["phone"]), delta=delta, reason=reason,
                    balance=left))


@points_group.command("redeem")
@click.argument("customer")
@click.argument("reward")
@pass_app
def points_redeem(app: App, customer: str, reward: str) -> None:
    """Spend a reward's points (its name or its points, e.g. 生日蛋糕 or 20); refused when the balance is short."""
    with write_transaction(app.engine) as conn:  # the lots read are the lots spent: no second spender between
        person = find_customer(conn, customer, app.settings.site.phone_region)
        done = points.redeem(conn, person["id"], reward, app.settings.loyalty, app.today(), app.now(), audit.os_actor())
    click.echo(text("points_redeemed", name=person["name"], phone=output.mask(person["phone"]), reward=done.reward.name,
                    points=done.reward.points, balance=done.balance))


# ---------------------------------------------------------------- rewards
@click.group("rewards")
def rewards_group() -> None:
    """Referral rewards (转介绍礼): mark one given."""


@rewards_group.command("give")
@click.argument("reward_id", type=int, metavar="ID")
@click.option("--by", "by", help="the staff member who handed it over (default: the OS user)")
@pass_app
def rewards_give(app: App, reward_id: int, by: str | None) -> None:
    """Mark an owed referral reward as given, recording who gave it; audit trail."""
    actor = audit.os_actor()
    with write_transaction(app.engine) as conn:
        reward = rewards.give(conn, reward_id, f"staff:{by.strip()}" if by and by.strip() else actor, app.now(), actor)
    click.echo(text("reward_given", id=reward_id, gift=reward["gift"], by=reward["given_by"]))
