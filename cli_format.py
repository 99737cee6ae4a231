"""Output formatting for the CLI: rich tables on a terminal, plain text or JSON otherwise."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterator

import click

from domain.phone import mask
from records.parsing import yuan
from settings import TierSettings

if TYPE_CHECKING:  # rich and records.tiers (the models) cost start-up time: imported where used
    from rich.console import Console
    from rich.table import Table

    from records.tiers import Breakdown

INDICATOR_LABELS = {
    "deposit": "入金额 deposit", "term": "入金期 term", "renewals": "续金 renewals",
    "topups": "加金 top-ups", "referrals": "转介绍 referrals", "events": "参加活动 events",
    "withdrawals": "出金 withdrawals", "points": "积分 points",
}
__all__ = ["mask"]


def console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, soft_wrap=True)


def Table(*columns, **options) -> Table:  # noqa: N802 - rich's Table, imported on first use
    from rich.table import Table as RichTable

    return RichTable(*columns, **options)


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress(label: str, quiet: bool = False, lines_from: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal (stderr). Elsewhere silence, or with ``lines_from`` a plain line
    per tenth of the work once the total reaches that size (logs of long runs). Yields ``advance(done, total)``."""
    if quiet:
        yield lambda done, total: None
        return
    if not sys.stderr.isatty():
        yield _plain_lines(label, lines_from) if lines_from is not None else (lambda done, total: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(label), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _plain_lines(label: str, minimum: int) -> Callable[[int, int], None]:
    shown = {"tenth": 0}

    def advance(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if total >= minimum and tenth > shown["tenth"]:
            shown["tenth"] = tenth
            click.echo(f"{label}: {done}/{total} ({tenth * 10}%)", err=True)

    return advance


def import_summary(summary, file: str, as_json: bool) -> None:
    if as_json:
        print_json(summary.as_json())
        return
    if summary.dry_run:
        click.echo("dry run: nothing was written; an import would give:")
    click.echo(f"{file}: imported {summary.imported}, updated {summary.updated}, "
               f"unchanged {summary.unchanged}, rejected {summary.rejected}"
               + (f", warnings {summary.warnings}" if summary.warnings else "")
               + (f", merged {summary.merged} (a phone or id repeated: the last row counts)" if summary.merged else ""))
    if summary.ignored_columns:
        click.echo(f"ignored columns: {', '.join(summary.ignored_columns)}")
    if summary.rejects_path:
        click.echo(f"rejected rows and warnings written to {summary.rejects_path}")
    for line in summary.preview:
        click.echo(f"  {line}")
    shown = len(summary.preview)
    if summary.dry_run and summary.rejected + summary.warnings > shown:
        click.echo(f"  … and {summary.rejected + summary.warnings - shown} more")


def tier_counts(counts: dict[str, int], as_of: date, as_json: bool) -> None:
    if as_json:
        print_json({"as_of": as_of.isoformat(), "tiers": counts, "total": sum(counts.values())})
        return
    table = Table(title=f"客户分类 tiers as of {as_of.isoformat()}")
    table.add_column("tier")
    table.add_column("customers", justify="right")
    for tier, count in counts.items():
        table.add_row(tier, str(count))
    table.add_row("total", str(sum(counts.values())))
    console().print(table)


def _value_text(name: str, value: int) -> str:
    if name == "deposit":
        return f"¥{yuan(value)}"
    if name == "term":
        return f"{value} days" if value else "none"
    return str(value)


def _shown(settings: TierSettings) -> tuple[str, ...]:
    """The indicators in use: the points balance only when [tiers] points has thresholds."""
    from records.tiers import INDICATORS

    return tuple(n for n in INDICATORS if n != "points" or settings.points)


def explain(person, breakdown: Breakdown, settings: TierSettings, as_json: bool) -> None:
    if as_json:
        print_json({
            "customer": {"id": person["id"], "name": person["name"], "phone": mask(person["phone"])},
            "as_of": breakdown.as_of.isoformat(),
            "indicators": {n: {"value": breakdown.values[n], "points": breakdown.points[n]} for n in _shown(settings)},
            "score": breakdown.score, "computed_tier": breakdown.computed_tier,
            "pinned_tier": breakdown.pinned_tier, "tier": breakdown.tier,
        })
        return
    table = Table(title=f"{person['name']} ({mask(person['phone'])}) as of {breakdown.as_of.isoformat()}")
    for header, justify in (("indicator 指标", "left"), ("value", "right"), ("points 得分", "right")):
        table.add_column(header, justify=justify)
    for name in _shown(settings):
        table.add_row(INDICATOR_LABELS[name], _value_text(name, breakdown.values[name]), str(breakdown.points[name]))
    table.add_row("total 合计", "", str(breakdown.score))
    console().print(table)
    click.echo(f"score {breakdown.score}: A ≥ {settings.a_min_score}, B ≥ {settings.b_min_score}, "
               f"C deposit ≥ ¥{yuan(settings.c_min_deposit * 100)} -> {breakdown.computed_tier}")
    if breakdown.pinned_tier:
        click.echo(f"pinned by hand: {breakdown.pinned_tier} ({person['pinned_reason']}) -> tier {breakdown.tier}")
    else:
        click.echo(f"tier {breakdown.tier}")


def customer(person, history: list[dict], as_json: bool) -> None:
    """One customer with the full phone number: `customers show` is where staff who must call look it up."""
    public = dict(person)
    if as_json:
        print_json({"customer": public, "tier_history": history})
        return
    for key in ("id", "name", "phone", "store", "joined_on", "birth_calendar", "born_on", "referral_code",
                "tier", "tier_score", "pinned_tier", "opted_out"):
        click.echo(f"{key:>15}: {public.get(key)}")
    for change in history:
        click.echo(f"  {change['as_of']} {change['tier']} score {change['score']} ({change['reason']}{': ' + change['note'] if change['note'] else ''})")


CUSTOMER_LIST_HEADERS = {"id": "编号", "name": "姓名", "phone": "手机", "tier": "等级", "store": "门店", "joined_on": "入会日期",
                         "birth_calendar": "历法", "born_on": "出生日期", "referral_code": "推荐码", "opted_out": "已退订"}


def customer_list(rows: list[dict], fmt: str) -> None:
    """`customers list` as a table, CSV on standard output (no BOM, formula-safe) or JSON; phones already masked."""
    if fmt == "json":
        print_json(rows)
        return
    if fmt == "csv":
        from records.csvsafe import SafeWriter

        writer = SafeWriter(sys.stdout, lineterminator="\n")
        writer.writerow(list(CUSTOMER_LIST_HEADERS.values()))
        for row in rows:
            writer.writerow([row[k] for k in CUSTOMER_LIST_HEADERS])
        return
    table = Table(title=f"客户 {len(rows)}")
    for key in TABLE_COLUMNS:  # the phone never cut: staff read it to tell customers apart
        table.add_column(CUSTOMER_LIST_HEADERS[key], no_wrap=key in {"id", "phone", "tier"}, min_width=11 if key == "phone" else None)
    for row in rows:
        table.add_row(*(_cell(row[key]) for key in TABLE_COLUMNS))
    console().print(table)


TABLE_COLUMNS = ("id", "name", "phone", "tier", "store", "born_on", "referral_code", "opted_out")


def _cell(value) -> str:
    if value is None or value is False:
        return ""
    return "是" if value is True else str(value)


def audit_entries(rows, tz, as_json: bool) -> None:
    if as_json:
        print_json([{**dict(row), "at": row["at"].isoformat()} for row in rows])
        return
    if not rows:
        click.echo("审计记录：无")
        return
    table = Table("时间", "操作人", "操作", "对象", "原因", "详情")
    for row in rows:
        table.add_row(row["at"].astimezone(tz).strftime("%Y-%m-%d %H:%M"), row["actor"], row["action"],
                      f"{row['subject']} {row['subject_id']}".strip(), row["reason"], row["detail"])
    console().print(table)


REASON_LABELS = {
    "opted_out": "已退订 opted out", "invalid_phone": "号码无效 invalid phone", "tier": "等级不符 tier",
    "store": "门店不符 store", "not_new": "非新客户 not new", "not_old": "非老客户 not old",
    "cap": "本周已达上限 weekly cap", "capacity": "名额已满 capacity", "duplicate_text": "重复短信 duplicate text",
    "too_long": "短信过长 too long", "no_template": "无报备模板 no approved template",
    "bad_variable": "变量不合规 variable over its limit", "daily_cap": "当日已达上限 daily cap",
    "cap_preempted": "让位于优先活动 cap preempted", "cancelled": "已取消 cancelled",
}


def campaign_list(rows: list[dict], problems: list[str], as_json: bool) -> None:
    if as_json:
        print_json({"campaigns": rows, "invalid": problems})
        return
    for row in rows:
        state = "" if row["enabled"] else "  (disabled)"
        paused = row.get("paused")
        if paused:
            state += f"  (PAUSED 已暂停 since {paused['since'][:16]} by {paused['by']}{': ' + paused['reason'] if paused['reason'] else ''})"
        click.echo(f"{row['id']:<16} {row['kind']:<20} tiers {row['tiers']:<5} {row['name']}{state}")
        for line in row["next"] or ["no occurrence in the period"]:
            click.echo(f"{'':<18}{line}")
        failure = row.get("last_planning_error")
        if failure:
            click.echo(f"{'':<18}last planning failed ({failure['day']}, skipped): {failure['error']}")
    for problem in problems:
        click.echo(f"invalid: {problem}", err=True)


def preview(data: dict, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    if not data["occurrences"]:
        click.echo(f"{data['campaign']}: nothing on {data['date']}")
    for occ in data["occurrences"]:
        totals = occ["totals"]
        click.echo(f"\n{occ['key']} ({occ['template']}, {occ['message_class']}) at {occ['send_at']}: "
                   f"{totals['recipients']} recipients, {totals['segments']} segments, ¥{totals['cost']:.2f}; "
                   f"{totals['excluded']} excluded")
        for r in occ["recipients"]:
            click.echo(f"  {_recipient_line(r)}\n      {r['text']}")
            for finding in r.get("lint", []):
                click.echo(f"      {finding['level']}: {finding['category']}: {', '.join(finding['words'])}")
        reasons: dict[str, int] = {}
        for e in occ["excluded"]:
            reasons[e["reason"]] = reasons.get(e["reason"], 0) + 1
        for reason, count in sorted(reasons.items()):
            names = ", ".join([e["name"] for e in occ["excluded"] if e["reason"] == reason][:8])
            click.echo(f"  excluded {REASON_LABELS.get(reason, reason)}: {count} ({names}{', …' if count > 8 else ''})")
            detail = next((e["detail"] for e in occ["excluded"] if e["reason"] == reason and e.get("detail")), None)
            if detail:
                click.echo(f"      {detail}")


def _recipient_line(r: dict) -> str:
    """name [tier] phone · segments · gateway template-code · cost (· deferred daily_cap → when)."""
    code = f" {r['template_code']}" if r.get("template_code") else ""
    line = f"{r['name']} [{r['tier']}] {r['phone']} · {r['segments']} segment(s) · {r['gateway']}{code} · ¥{r['cost']:.2f}"
    if r.get("deferred"):
        line += f" · deferred {r['deferred']} → {r['send_at']}"
    return line


def run_summary(day: date, planned, dispatched, dry_run: bool) -> None:
    click.echo(f"run for {day.isoformat()}{' (dry run: nothing written or sent)' if dry_run else ''}")
    click.echo(f"  planned {planned.planned} messages in {planned.occurrences} occurrences"
               f" ({planned.already_planned} already planned)")
    for reason, count in sorted(planned.suppressed.items()):
        click.echo(f"  suppressed {REASON_LABELS.get(reason, reason)}: {count}")
    for reason, count in sorted(planned.excluded.items()):
        click.echo(f"  not targeted {REASON_LABELS.get(reason, reason)}: {count}")
    for campaign_id, count in sorted(planned.preempted.items()):
        click.echo(f"  suppressed {REASON_LABELS['cap_preempted']} ({campaign_id}): {count}")
    for campaign_id in planned.paused:
        click.echo(f"  paused, not planned: {campaign_id} (`jinli campaigns resume {campaign_id}`)")
    if planned.failed:
        click.echo(f"  campaigns failed at planning, skipped: {len(planned.failed)}")
    for campaign_id, error in sorted(planned.failed.items()):
        click.echo(f"planning failed, skipped: {campaign_id}: {error}", err=True)
    if dispatched is not None:
        click.echo(f"  sent {dispatched.sent}, deferred {dispatched.deferred}, retried {dispatched.retried}, "
                   f"failed {dispatched.failed}")
        for reason, count in sorted(dispatched.suppressed.items()):
            click.echo(f"  suppressed at send time {REASON_LABELS.get(reason, reason)}: {count}")
