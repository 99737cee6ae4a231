"""`campaigns preview` gives exactly the recipients the rules say, for every kind (DOMAIN.md §2)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app import App
from campaigns.definitions import load_campaign
from campaigns.planning import Planner
from campaigns.run import preview
from records import models
from tests.factories import add_customer, add_holding

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def playbook(site: Path) -> Path:
    """The shipped campaign files and templates, copied beside the test site's config.toml."""
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    return site.parent / "campaigns"


def run_preview(app: App, campaign_id: str, day: date) -> dict[str, dict]:
    """step -> {"to": {name: text}, "excluded": {name: reason}} for the campaign on ``day``."""
    planner = Planner.from_settings(app.settings)
    campaign = load_campaign(app.settings.campaigns_path / f"{campaign_id.replace('-', '_')}.toml")
    with app.engine.connect() as conn:
        items = preview(conn, planner, campaign, day)
    return {item.occurrence.step: {"to": {r["name"]: r["text"] for r in item.recipients},
                                   "excluded": {e["name"]: e["reason"] for e in item.excluded},
                                   "key": item.occurrence.key, "due_at": item.due_at} for item in items}


def test_lucky_day_is_the_liuhe_animal_with_the_sun_sign(app, playbook):
    # 2025-06-04 is a Wednesday (the member day) on a 辰 day: 辰酉 六合 → 鸡 (rooster); sun sign 双子.
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B")
        add_customer(conn, name="鸡狮子", birthday="1993-08-01", tier="B")
        add_customer(conn, name="狗双子", birthday="1994-06-01", tier="A")
        add_customer(conn, name="鸡双子P", birthday="1993-06-10", tier="P")
        add_customer(conn, name="鸡双子退订", birthday="1993-06-15", tier="A", opted_out=True)
        add_customer(conn, name="农历鸡双子", birthday="1993-04-20", calendar="lunar", tier="C")  # solar 1993-06-09
    result = run_preview(app, "lucky_day", date(2025, 6, 4))
    lucky = result["lucky_day"]
    assert set(lucky["to"]) == {"鸡双子", "农历鸡双子"}
    assert lucky["excluded"] == {"鸡双子P": "tier", "鸡双子退订": "opted_out"}
    assert "鸡" in lucky["to"]["鸡双子"] and "双子座" in lucky["to"]["鸡双子"]
    assert run_preview(app, "lucky_day", date(2025, 6, 5)) == {}  # Thursday: not a member day


def test_spring_festival_boundary_decides_the_animal(app, playbook):
    # 1990-01-20 (水瓶) is before the 1990 Spring Festival (01-27): a snake (巳), not a horse (午).
    # 2027-02-10 is a Wednesday on a 申 day (巳申 六合); 2026-01-21 a Wednesday on a 未 day (午未 六合).
    with app.engine.begin() as conn:
        add_customer(conn, name="一月蛇", birthday="1990-01-20", tier="A")
    assert set(run_preview(app, "lucky_day", date(2027, 2, 10))["lucky_day"]["to"]) == {"一月蛇"}
    assert run_preview(app, "lucky_day", date(2026, 1, 21))["lucky_day"]["to"] == {}
    lucky = playbook / "lucky_day.toml"
    lucky.write_text(lucky.read_text(encoding="utf-8").replace('# boundary = "lichun"', 'boundary = "lichun"'), encoding="utf-8")
    # With 立春 (1990-02-04) as the boundary, 1990-01-20 is still the 1989 snake year: the same answer.
    assert set(run_preview(app, "lucky_day", date(2027, 2, 10))["lucky_day"]["to"]) == {"一月蛇"}


def test_lichun_and_spring_festival_disagree_between_the_two(app, playbook):
    # 2023: 立春 02-04, Spring Festival 01-22. Born 2023-01-25 (水瓶): rabbit (卯) by the festival,
    # tiger (寅) by 立春. 2027-02-10 (申, Wed): 寅申 clash, 卯申 neither; find the 卯 and 寅 partners instead.
    from domain.lunar import day_branch

    def wednesday(branch):
        from datetime import timedelta
        d = date(2026, 1, 20)
        while not (d.weekday() == 2 and day_branch(d) == branch and date(d.year, 1, 20) <= d <= date(d.year, 2, 18)):
            d += timedelta(days=1)
        return d

    rabbit_day, tiger_day = wednesday(10), wednesday(11)  # 卯戌 六合, 寅亥 六合
    with app.engine.begin() as conn:
        add_customer(conn, name="兔或虎", birthday="2023-01-25", tier="A")
    assert set(run_preview(app, "lucky_day", rabbit_day)["lucky_day"]["to"]) == {"兔或虎"}
    assert run_preview(app, "lucky_day", tiger_day)["lucky_day"]["to"] == {}
    lucky = playbook / "lucky_day.toml"
    lucky.write_text(lucky.read_text(encoding="utf-8").replace('# boundary = "lichun"', 'boundary = "lichun"'), encoding="utf-8")
    assert run_preview(app, "lucky_day", rabbit_day)["lucky_day"]["to"] == {}
    assert set(run_preview(app, "lucky_day", tiger_day)["lucky_day"]["to"]) == {"兔或虎"}


def test_birthdays_greetings_maturity_notes_banquet_and_planner(app, playbook):
    day = date(2025, 6, 2)  # lunar 2025-05-07
    with app.engine.begin() as conn:
        solar = add_customer(conn, name="公历生日", birthday="1980-06-02", tier="A")
        add_holding(conn, solar, 50_000, "98d", date(2025, 2, 24))  # matures 2025-06-02
        add_customer(conn, name="农历生日", birthday="1975-05-07", calendar="lunar", tier="B")
        near = add_customer(conn, name="到期在窗口内", birthday="1982-06-02", tier="C")
        add_holding(conn, near, 20_000, "2m", date(2025, 4, 4))  # matures 06-04, within 3 days
        far = add_customer(conn, name="到期在窗口外", birthday="1983-06-02", tier="C")
        add_holding(conn, far, 20_000, "2m", date(2025, 4, 7))  # matures 06-07
        add_customer(conn, name="别的日子", birthday="1980-06-03", tier="A")
        add_customer(conn, name="98天规划", birthday="1990-09-15", tier="C")  # 06-02 + 7 + 98 days = 09-15
        add_customer(conn, name="两个月规划", birthday="1991-08-09", tier="C")  # 08-09 − 2 months − 7 days = 06-02
    result = run_preview(app, "birthday", day)
    assert set(result["greeting"]["to"]) == {"公历生日", "农历生日", "到期在窗口内", "到期在窗口外"}
    assert set(result["maturity"]["to"]) == {"公历生日", "到期在窗口内"}
    assert "50,000元" in result["maturity"]["to"]["公历生日"] and "6月2日" in result["maturity"]["to"]["公历生日"]
    assert set(result["banquet"]["to"]) == {"公历生日"}
    assert result["banquet"]["excluded"] == {"农历生日": "tier", "到期在窗口内": "tier", "到期在窗口外": "tier"}
    assert set(result["planner_98d"]["to"]) == {"98天规划"}
    assert "6月9日前起投98天产品" in result["planner_98d"]["to"]["98天规划"]
    assert set(result["planner_2m"]["to"]) == {"两个月规划"}
    assert "6月9日前起投2个月产品" in result["planner_2m"]["to"]["两个月规划"]


@pytest.mark.parametrize("day, expected", [
    (date(2025, 8, 3), {"闰六月生"}),  # 2025 has 闰六: lunar 闰6/10 = 2025-08-03
    (date(2025, 7, 4), {"六月生"}),  # regular 6/10
    (date(2026, 7, 23), {"闰六月生", "六月生"}),  # 2026 has no 闰六: both on regular 6/10
    (date(2025, 2, 28), {"闰日生"}),  # 29 February in a common year
    (date(2024, 2, 29), {"闰日生"}),
], ids=["leap-month-in-leap-year", "regular-month", "leap-born-in-year-without-leap", "feb29-common", "feb29-leap"])
def test_lunar_leap_months_and_29_february(app, playbook, day, expected):
    from domain.lunar import to_solar

    assert to_solar(2026, 6, 10) == date(2026, 7, 23)
    with app.engine.begin() as conn:
        add_customer(conn, name="闰六月生", birthday="2017-06-10", calendar="lunar", leap=True, tier="A")
        add_customer(conn, name="六月生", birthday="2000-06-10", calendar="lunar", tier="A")
        add_customer(conn, name="闰日生", birthday="2000-02-29", tier="A")
    assert set(run_preview(app, "birthday", day)["greeting"]["to"]) == expected


def five_customers(conn):
    for name, tier in [("甲", "C"), ("乙", "A"), ("丙", "P"), ("丁", "B"), ("戊", "C")]:
        add_customer(conn, name=name, tier=tier)


def test_salon_on_a_makeup_sunday_and_none_on_a_statutory_holiday(app, playbook):
    with app.engine.begin() as conn:
        five_customers(conn)
    # 2025-09-25 (Thu) invites for 2025-09-28, a Sunday that is a make-up working day: Monday's salon.
    invitation = run_preview(app, "salons", date(2025, 9, 25))["invitation"]
    assert invitation["key"] == "salons·2025-09-28·invitation"
    assert len(invitation["to"]) == 5 and "「你有我也有」" in invitation["to"]["甲"] and "9月28日（周日）" in invitation["to"]["甲"]
    # 2025-09-28 would invite for 10-01 (National Day): no invitation, only the reminder for the 28th.
    assert set(run_preview(app, "salons", date(2025, 9, 28))) == {"reminder"}
    # An ordinary Sunday: no salon; Saturday 2025-09-27 runs Saturday's salon (你敢我也敢, one year).
    assert "invitation" not in run_preview(app, "salons", date(2025, 9, 18))  # → 09-21, a Sunday
    saturday = run_preview(app, "salons", date(2025, 9, 24))["invitation"]
    assert "「你敢我也敢」" in saturday["to"]["甲"]


def test_invitations_respect_capacity_with_overbooking_best_tiers_first(app, playbook):
    salons = playbook / "salons.toml"
    salons.write_text(salons.read_text(encoding="utf-8").replace("capacity = 30", "capacity = 2")
                      .replace("overbooking = 1.2", "overbooking = 1.5"), encoding="utf-8")
    with app.engine.begin() as conn:
        five_customers(conn)
    invitation = run_preview(app, "salons", date(2025, 6, 2))["invitation"]
    assert set(invitation["to"]) == {"乙", "丁", "甲"}  # A, B, then the first C
    assert invitation["excluded"] == {"戊": "capacity", "丙": "capacity"}


def test_holding_notices_maturity_and_monthly_returns_with_month_ends(app, playbook):
    with app.engine.begin() as conn:
        a = add_customer(conn, name="七天后到期", tier="C")
        add_holding(conn, a, 30_000, "2m", date(2025, 4, 7))  # matures 06-07
        b = add_customer(conn, name="月末月月返", tier="C")
        add_holding(conn, b, 100_000, "1y", date(2025, 1, 31), monthly_return=True)
        c = add_customer(conn, name="十五号月月返", tier="P", opted_out=True)
        add_holding(conn, c, 100_000, "1y", date(2025, 1, 15), monthly_return=True)
        d = add_customer(conn, name="非月月返", tier="C")
        add_holding(conn, d, 100_000, "1y", date(2025, 1, 31), monthly_return=False)
    may_31 = run_preview(app, "holding_notices", date(2025, 5, 31))
    assert set(may_31["maturity_7d"]["to"]) == {"七天后到期"} and "6月7日到期" in may_31["maturity_7d"]["to"]["七天后到期"]
    assert set(may_31["monthly_return"]["to"]) == {"月末月月返"}
    assert set(run_preview(app, "holding_notices", date(2025, 2, 28))["monthly_return"]["to"]) == {"月末月月返"}
    assert set(run_preview(app, "holding_notices", date(2025, 4, 30))["monthly_return"]["to"]) == {"月末月月返"}
    june_15 = run_preview(app, "holding_notices", date(2025, 6, 15))["monthly_return"]
    assert june_15["to"] == {} and june_15["excluded"] == {"十五号月月返": "opted_out"}
    assert run_preview(app, "holding_notices", date(2025, 1, 31))["monthly_return"]["to"] == {}  # the start day itself
    notice = run_preview(app, "holding_notices", date(2025, 5, 31))["maturity_7d"]["to"]["七天后到期"]
    assert notice.startswith("【金福金行】") and "回T退订" not in notice  # a notice carries no unsubscribe hint


def test_a_marketing_text_planned_in_quiet_hours_is_due_the_next_morning(app, playbook):
    lucky = playbook / "lucky_day.toml"
    lucky.write_text(lucky.read_text(encoding="utf-8").replace('send_time = "10:00"', 'send_time = "22:30"'), encoding="utf-8")
    result = run_preview(app, "lucky_day", date(2025, 6, 4))
    assert result["lucky_day"]["due_at"].isoformat() == "2025-06-05T08:00:00+08:00"


def test_preview_json_through_the_cli_is_stable(cli, app, playbook):
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001")
    result = cli("campaigns", "preview", "lucky-day", "--date", "2025-06-04", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"campaign", "kind", "date", "occurrences"}
    occurrence = data["occurrences"][0]
    assert set(occurrence) == {"key", "step", "template", "message_class", "send_at", "recipients", "excluded", "totals"}
    recipient = occurrence["recipients"][0]
    assert set(recipient) == {"customer_id", "name", "phone", "tier", "text", "segments", "encoding", "cost", "gateway",
                              "template_code", "template_params", "send_at", "deferred", "lint"}
    assert recipient["phone"] == "138****0001" and recipient["encoding"] == "UCS-2" and recipient["gateway"] == "file"
    assert (recipient["template_code"], recipient["deferred"], recipient["lint"]) == (None, None, [])
    assert occurrence["totals"]["recipients"] == 1


def test_preview_names_each_texts_gateway_by_the_destinations_country(cli, app, site, playbook):
    site.write_text(site.read_text(encoding="utf-8").replace(
        'gateway = "file"', 'gateway = "file"\nroutes = { CN = "aliyun", default = "twilio" }'), encoding="utf-8")
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001")
        add_customer(conn, name="Rooster Gemini", birthday="1993-06-02", tier="B", phone="+12025550123")
    result = cli("campaigns", "preview", "lucky-day", "--date", "2025-06-04", "--json")
    assert result.exit_code == 0, result.output
    [occurrence] = json.loads(result.output)["occurrences"]
    assert {r["name"]: r["gateway"] for r in occurrence["recipients"]} == {"鸡双子": "aliyun", "Rooster Gemini": "twilio"}
    text = cli("campaigns", "preview", "lucky-day", "--date", "2025-06-04").output
    assert "138****0001 · 1 条 · aliyun" in text


def test_unknown_campaign_is_one_line(cli, playbook):
    result = cli("campaigns", "preview", "nope", "--date", "2025-06-04")
    assert result.exit_code == 1 and "找不到活动 'nope'" in result.output and len(result.output.splitlines()) == 1


def test_post_event_followup_texts_attendees_who_have_not_deposited(app, playbook):
    from sqlalchemy import insert

    from tests.factories import add_event

    with app.engine.begin() as conn:
        came = add_customer(conn, name="来了没买", tier="P")
        bought = add_customer(conn, name="来了买了", tier="C")
        add_customer(conn, name="没来", tier="A")
        event = add_event(conn, date(2025, 6, 5), campaign_id="salons", key="salons·2025-06-05", slogan="你能我也能", term="98d")
        for cid in (came, bought):
            conn.execute(insert(models.CheckIn.__table__).values(event_id=event, customer_id=cid,
                                                                 checked_in_at=datetime(2025, 6, 5, 6, 30, tzinfo=timezone.utc)))
        add_holding(conn, bought, 20_000, "98d", date(2025, 6, 5))
    assert run_preview(app, "salon_followups", date(2025, 6, 5)) == {}  # 14:00 + 20 h is the next morning
    followup = run_preview(app, "salon_followups", date(2025, 6, 6))["followup"]
    assert set(followup["to"]) == {"来了没买"} and followup["excluded"] == {}
    assert "「你能我也能」" in followup["to"]["来了没买"] and "98天" in followup["to"]["来了没买"]
    assert "6月8日" in followup["to"]["来了没买"]  # the 72-hour window ends on 06-08
    assert followup["due_at"].isoformat() == "2025-06-06T10:00:00+08:00"


def test_a_yearless_lunar_birthday_is_celebrated_and_left_out_of_zodiac_days(app, playbook):
    # 2025-06-02 is lunar 五月初七; 2025-06-04 is a rooster lucky day (see above).
    with app.engine.begin() as conn:
        add_customer(conn, name="不知年份", birthday="农历五月初七", calendar="", tier="A")
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="A")
        add_customer(conn, name="农历知年", birthday="农历1993年五月初七", calendar="", tier="A")  # solar 1993-06-25: 鸡, 巨蟹
    greeting = run_preview(app, "birthday", date(2025, 6, 2))["greeting"]
    assert set(greeting["to"]) == {"不知年份", "农历知年"}
    assert "不知年份" in greeting["to"]["不知年份"]
    lucky = run_preview(app, "lucky_day", date(2025, 6, 4))["lucky_day"]
    assert set(lucky["to"]) == {"鸡双子"} and "不知年份" not in lucky["excluded"]
