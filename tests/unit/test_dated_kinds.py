"""The festival, broadcast and event kinds: parsing (one line per mistake), and the days they send on."""

from __future__ import annotations

import shutil
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from campaigns.definitions import load_campaign, load_campaigns
from campaigns.occurrences import CalendarOptions, Everyone, InvitedTo, Listed, occurrences
from errors import CampaignError
from domain.workdays import HolidaySchedule, WorkCalendar

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
OPTIONS = CalendarOptions(SH)
FESTIVAL = """name = "节日"
kind = "festival"
[festival]
anchors = ["chunjie", "中秋", "农历腊月初八", "05-20", "冬至"]
days_before = [3, 0]
[templates]
greeting = "festival_greeting"
"中秋" = "festival_zhongqiu"
"""
BROADCAST = """name = "新品"
kind = "broadcast"
[broadcast]
dates = [2026-10-15, 2026-10-22]
[templates]
announcement = "broadcast_new_product"
"""
EVENT = """name = "答谢会"
kind = "event"
[event]
date = 2026-12-12
start_time = "14:30"
title = "老客户答谢会"
slogan = "感恩有你"
store = "南京路店"
capacity = 20
overbooking = 1.5
lead_days = 10
reminder_days_before = 1
term = "1y"
[templates]
invitation = "event_invitation"
reminder = "event_reminder"
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str):
    return load_campaign(write(tmp_path, text))


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(CampaignError) as exc:
        load(tmp_path, text)
    message = str(exc.value)
    assert "\n" not in message
    return message.split(": ", 1)[1]  # without the file name


def test_the_shipped_examples_load(tmp_path):
    for example in sorted((REPO / "campaigns").glob("*.toml.example")):
        shutil.copy(example, tmp_path / example.name.removesuffix(".example"))
    campaigns, problems = load_campaigns(tmp_path)
    assert problems == []
    by_id = {c.id: c for c in campaigns}
    assert set(by_id) == {"festivals", "thanks-2026", "new-product"}
    assert len(by_id["festivals"].spec.anchors) == 13 and by_id["festivals"].spec.days_before == (3, 0)
    assert by_id["festivals"].templates["zhongqiu"] == "festival_zhongqiu"
    assert by_id["thanks-2026"].audience.stores == {"南京路店"}  # the event's store is its audience
    assert by_id["new-product"].audience.gender == "F"


def test_a_festival_campaign_keys_its_templates_by_festival_id(tmp_path):
    campaign = load(tmp_path, FESTIVAL)
    assert [a.id for a in campaign.spec.anchors] == ["chunjie", "zhongqiu", "lunar-12-08", "05-20", "冬至"]
    assert campaign.templates == {"greeting": "festival_greeting", "zhongqiu": "festival_zhongqiu"}


def test_an_event_campaign_reads_every_key(tmp_path):
    spec = load(tmp_path, EVENT).spec
    assert (spec.on, spec.start_time, spec.venue, spec.capacity, spec.overbooking) == (date(2026, 12, 12), time(14, 30),
                                                                                      "南京路店", 20, 1.5)
    assert (spec.slogan, str(spec.term), spec.lead_days, spec.reminder_days_before) == ("感恩有你", "1y", 10, 1)


@pytest.mark.parametrize("text, expected", [
    (FESTIVAL.replace('"05-20"', '"八月十五"'), "festival.anchors: date '八月十五' is ambiguous"),
    (FESTIVAL.replace('"05-20"', '"小年"'), "festival.anchors: festival '小年' is ambiguous"),
    (FESTIVAL.replace('"05-20"', '"chunjie"'), "festival.anchors: must name at least one festival, none twice"),
    (FESTIVAL.replace('"05-20"', '"农历闰四月初一"'), "festival.anchors: lunar date '农历闰四月初一': festivals are kept in the regular month"),
    (FESTIVAL.replace("[3, 0]", "[3, 3]"), "festival.days_before: expected distinct whole numbers"),
    (FESTIVAL.replace("[3, 0]", "[400]"), "festival.days_before: expected whole numbers from 0 to 366, got 400"),
    (FESTIVAL.replace("days_before", "skip_closing_days = \"yes\"\ndays_before"), "festival.skip_closing_days: expected true or false"),
    (FESTIVAL.replace("days_before", "days_befor"), "festival.days_befor: unknown key"),
    (FESTIVAL.replace('greeting = "festival_greeting"\n', ""), "templates: no template for 春节"),
    (FESTIVAL.replace('"中秋" =', '"端午" ='), "templates.端午: unknown key"),
    (BROADCAST.replace("dates = [2026-10-15, 2026-10-22]", "date = 2026-10-15\ndates = [2026-10-16]"),
     "broadcast.dates: give either date = 2025-09-01 or dates = [...], not both, not neither"),
    (BROADCAST.replace("2026-10-22", "2026-10-15"), "broadcast.dates: expected 1 to 12 different dates"),
    (BROADCAST.replace("2026-10-22", ", ".join(f"2026-11-{d:02d}" for d in range(1, 13))), "broadcast.dates: expected 1 to 12"),
    (BROADCAST.replace("2026-10-22", '"soon"'), "broadcast.dates: expected a date like 2025-01-01, got 'soon'"),
    (BROADCAST.replace("[broadcast]", "[broadcast]\nrecipients_file = \"none.csv\""), "none.csv: file not found"),
    (EVENT.replace("date = 2026-12-12\n", ""), "event.date: is required"),
    (EVENT.replace('store = "南京路店"\n', ""), "event.venue: is required (or give store"),
    (EVENT.replace("capacity = 20", "capacity = 0"), "event.capacity: must be at least 1, got 0"),
    (EVENT.replace("overbooking = 1.5", "overbooking = 20"), "event.overbooking: must be at most 10.0"),
    (EVENT.replace('term = "1y"', 'term = "1x"'), "event.term: invalid term '1x'"),
    (EVENT.replace("reminder_days_before = 1", "reminder_days_before = 10"), "event.reminder_days_before: 10 is not after"),
    (EVENT.replace('start_time = "14:30"', 'start_time = "14:30:10"'), "event.start_time: expected a shop-local time"),
    (EVENT.replace('title = "老客户答谢会"\n', ""), "event.title: is required"),
    (EVENT.replace("[templates]", "[audience]\ngender = \"x\"\n[templates]"), "audience.gender: unknown value 'x': expected female or male"),
    (EVENT.replace("[templates]", "[audience]\nage = [60, 30]\n[templates]"), "audience.age: expected [from, to] with from ≤ to, got [60, 30]"),
    (EVENT.replace("[templates]", "[audience]\nage = [30]\n[templates]"), "audience.age: expected [from, to]"),
    (EVENT.replace("[templates]", "[audience]\nbirth_years = [1800, 1990]\n[templates]"),
     "audience.birth_years: expected whole numbers from 1900 to 2100, got 1800"),
    (EVENT.replace("[templates]", "[audience]\nterms = [\"1q\"]\n[templates]"), "audience.terms: invalid term '1q'"),
    (EVENT.replace("[templates]", "[audience]\nproducts = \"金生利\"\n[templates]"), "audience.products: expected a list"),
    (EVENT.replace("[templates]", "[audience]\nmin_amount = -5\n[templates]"), "audience.min_amount: must be at least 0.0"),
], ids=lambda v: v[:40] if isinstance(v, str) and "\n" not in v else None)
def test_each_mistake_is_one_line_naming_the_key(tmp_path, text, expected):
    assert error(tmp_path, text).startswith(expected) or expected in error(tmp_path, text)


def test_a_recipients_file_row_naming_nobody_is_one_line_with_the_line_number(tmp_path):
    write(tmp_path, "手机号\n13900000001\n1390000\n", "people.csv")
    text = BROADCAST.replace("[broadcast]", '[broadcast]\nrecipients_file = "people.csv"')
    assert error(tmp_path, text) == "broadcast.recipients_file: people.csv: line 3: phone 139****0000 is not a mobile number"
    write(tmp_path, "姓名\n王芳\n", "people.csv")
    assert "no phone, customer_id or code column" in error(tmp_path, text)


def test_a_recipients_file_may_name_phones_ids_and_codes(tmp_path):
    write(tmp_path, "手机号,客户编号,推荐码\n139 0000 0001,,\n,42,\n,,k8m-2qx\n", "people.csv")
    campaign = load(tmp_path, BROADCAST.replace("[broadcast]", '[broadcast]\nrecipients_file = "people.csv"'))
    [occurrence] = occurrences(campaign, date(2026, 10, 15), OPTIONS)
    assert occurrence.rule == Listed(frozenset({"+8613900000001"}), frozenset({42}), frozenset({"K8M2QX"}))


def days_sent(campaign, first: date, last: date, options: CalendarOptions = OPTIONS) -> list[tuple[str, str]]:
    found = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        found += [(day.isoformat(), o.step) for o in occurrences(campaign, day, options)]
    return found


def test_festival_greetings_from_2025_to_2027(tmp_path):
    text = FESTIVAL.replace('["chunjie", "中秋", "农历腊月初八", "05-20", "冬至"]', '["laba", "zhongqiu", "mothers_day"]')
    campaign = load(tmp_path, text.replace("[3, 0]", "[0]"))
    assert days_sent(campaign, date(2025, 1, 1), date(2027, 12, 31)) == [
        ("2025-01-07", "laba"), ("2025-05-11", "mothers_day"), ("2025-10-06", "zhongqiu"),
        ("2026-01-26", "laba"), ("2026-05-10", "mothers_day"), ("2026-09-25", "zhongqiu"),
        ("2027-01-15", "laba"), ("2027-05-09", "mothers_day"), ("2027-09-15", "zhongqiu"),
    ]


def test_two_laba_in_2041_and_none_in_2042(tmp_path):
    text = FESTIVAL.replace('["chunjie", "中秋", "农历腊月初八", "05-20", "冬至"]', '["腊八"]')
    campaign = load(tmp_path, text.replace('"中秋" = "festival_zhongqiu"\n', ""))
    assert days_sent(campaign, date(2041, 1, 1), date(2042, 12, 31)) == [
        ("2041-01-07", "laba-3d"), ("2041-01-10", "laba"), ("2041-12-27", "laba-3d"), ("2041-12-30", "laba")]


def test_a_greeting_knows_its_festival_and_two_festivals_on_one_day_are_two_steps(tmp_path):
    campaign = load(tmp_path, FESTIVAL.replace('"冬至"', '"国庆"'))
    found = occurrences(campaign, date(2031, 10, 1), OPTIONS)  # 中秋 and 国庆 fall on the same day
    assert [(o.step, o.template, o.festival.name, o.key) for o in found] == [
        ("zhongqiu", "festival_zhongqiu", "中秋节", "c·2031-10-01·zhongqiu"),
        ("national_day", "festival_greeting", "国庆节", "c·2031-10-01·national_day")]
    before, _national_day = occurrences(campaign, date(2031, 9, 28), OPTIONS)
    assert (before.step, before.festival.on, before.festival.days_before, before.subject_on) == (
        "zhongqiu-3d", date(2031, 10, 1), 3, date(2031, 10, 1))
    assert isinstance(before.rule, Everyone)


def test_festivals_are_sent_on_statutory_holidays_unless_the_campaign_skips_closing_days(tmp_path):
    # 2025-10-06 (中秋) is inside chinese-calendar's 国庆 break; 2025-05-20 a working Tuesday the file closes.
    calendar = WorkCalendar(HolidaySchedule(closed={date(2025, 5, 20): "盘点"}))
    options = CalendarOptions(SH, workdays=calendar)
    campaign = load(tmp_path, FESTIVAL.replace("[3, 0]", "[0]"))
    assert [o.step for o in occurrences(campaign, date(2025, 10, 6), options)] == ["zhongqiu"]
    assert [o.step for o in occurrences(campaign, date(2025, 5, 20), options)] == ["05-20"]
    skipping = load(tmp_path, FESTIVAL.replace("[3, 0]", "[0]\nskip_closing_days = true"))
    assert occurrences(skipping, date(2025, 10, 6), options) == []
    assert occurrences(skipping, date(2025, 5, 20), options) == []
    assert [o.step for o in occurrences(skipping, date(2025, 12, 21), options)] == ["冬至"]  # an ordinary Sunday


def test_a_broadcast_goes_out_on_its_dates_only(tmp_path):
    campaign = load(tmp_path, BROADCAST)
    assert days_sent(campaign, date(2026, 10, 1), date(2026, 10, 31)) == [
        ("2026-10-15", "announcement"), ("2026-10-22", "announcement")]


def test_an_event_invites_lead_days_ahead_within_capacity_and_reminds_the_day_before(tmp_path):
    campaign = load(tmp_path, EVENT)
    assert days_sent(campaign, date(2026, 11, 1), date(2026, 12, 31)) == [
        ("2026-12-02", "invitation"), ("2026-12-11", "reminder")]
    [invitation] = occurrences(campaign, date(2026, 12, 2), OPTIONS)
    event = invitation.event
    assert (event.key, event.kind, event.title, event.starts_at, event.venue) == (
        "c·2026-12-12", "event", "老客户答谢会", date(2026, 12, 12) and event.starts_at, "南京路店")
    assert event.starts_at.isoformat() == "2026-12-12T14:30:00+08:00" and invitation.limit == 30  # 20 × 1.5
    assert invitation.context["title"] == "老客户答谢会" and invitation.context["weekday_label"] == "周六"
    [reminder] = occurrences(campaign, date(2026, 12, 11), OPTIONS)
    assert reminder.rule == InvitedTo("c·2026-12-12") and reminder.key == "c·2026-12-12·reminder"


def test_a_broadcast_or_event_campaign_ends_on_its_last_day(tmp_path):
    assert load(tmp_path, BROADCAST).end_on == date(2026, 10, 22)
    assert load(tmp_path, EVENT).end_on == date(2026, 12, 12)
    assert load(tmp_path, 'end_on = 2027-01-31\n' + EVENT).end_on == date(2027, 1, 31)
    assert load(tmp_path, FESTIVAL).end_on is None


def test_a_followup_may_follow_an_event_campaign(tmp_path):
    write(tmp_path, EVENT, "thanks.toml")
    write(tmp_path, 'name = "f"\nkind = "post_event_followup"\n[templates]\nfollowup = "event_followup"\n'
                    '[post_event_followup]\nevents_of = "thanks"\n', "f.toml")
    campaigns, problems = load_campaigns(tmp_path)
    assert problems == [] and sorted(c.id for c in campaigns) == ["f", "thanks"]
