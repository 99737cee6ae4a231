"""Campaign files: the shipped playbook loads; every kind of mistake is one line naming file, key, value."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from campaigns.definitions import load_campaign, load_campaigns
from errors import CampaignError

REPO = Path(__file__).resolve().parents[2]
SLOGANS = ["你有我也有", "你行我也行", "你会我也会", "你能我也能", "你做我也做", "你敢我也敢"]


def test_the_seed_playbook_loads():
    campaigns, problems = load_campaigns(REPO / "campaigns")
    assert problems == []
    by_id = {c.id: c for c in campaigns}
    assert set(by_id) == {"lucky-day", "birthday", "salons", "holding-notices", "salon-followups", "three-encounters"}
    assert by_id["salon-followups"].spec.events_of == "salons" and by_id["salon-followups"].spec.window_hours == 72
    salons = by_id["salons"].spec
    assert [s.slogan for s in salons.salons] == SLOGANS
    assert [str(s.term) for s in salons.salons] == ["2m", "2m", "2m", "98d", "6m", "1y"]
    assert [s.weekday for s in salons.salons] == [0, 1, 2, 3, 4, 5]
    assert salons.followup_hours == 72 and salons.makeup_sunday_weekday == 0
    lucky = by_id["lucky-day"]
    assert lucky.spec.weekdays == (2,) and lucky.spec.relations == ("liuhe",) and lucky.spec.star_sign == "sun"
    assert by_id["holding-notices"].message_class == "notice"
    assert by_id["birthday"].send_time == time(9, 30)
    encounters = by_id["three-encounters"].spec
    assert (encounters.on, encounters.delay, encounters.visits_at_most, encounters.without_deposit, encounters.invite_to) \
        == ("checked_in", timedelta(hours=2), 2, True, "salons")


SALONS = REPO / "campaigns" / "salons.toml"
BIRTHDAY = (REPO / "campaigns" / "birthday.toml").read_text(encoding="utf-8")
NOTICES = (REPO / "campaigns" / "holding_notices.toml").read_text(encoding="utf-8")
FOLLOWUPS = (REPO / "campaigns" / "salon_followups.toml").read_text(encoding="utf-8")
ENCOUNTERS = (REPO / "campaigns" / "three_encounters.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    text = SALONS.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


MINIMAL = {
    "zodiac_lucky_day": 'name = "x"\nkind = "zodiac_lucky_day"\n[templates]\nlucky_day = "lucky_day"\n[zodiac_lucky_day]\n',
    "holding_notice": 'name = "x"\nkind = "holding_notice"\n[templates]\nmaturity = "maturity_reminder"\n',
    "birthday_maturity": 'name = "x"\nkind = "birthday_maturity"\n[templates]\ngreeting = "birthday_greeting"\n',
    "post_event_followup": 'name = "x"\nkind = "post_event_followup"\n[templates]\nfollowup = "salon_followup"\n'
                           '[post_event_followup]\nevents_of = "salons"\n',
}


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_a_minimal_file_of_each_kind_loads(tmp_path, kind):
    assert load_campaign(write(tmp_path, MINIMAL[kind])).kind == kind


@pytest.mark.parametrize("text, fragments", [
    (edited('weekday = "mon"', 'weekday = "sun"'), ("weekday_salons.salon[1].weekday", "Sunday")),
    (edited('weekday = "mon"', 'weekday = "monday"'), ("weekday_salons.salon[1].weekday", "unknown weekday 'monday'")),
    (edited('weekday = "tue"', 'weekday = "mon"'), ("weekday_salons.salon", "same weekday")),
    (edited('term = "98d"', 'term = "98x"'), ("weekday_salons.salon[4].term", "invalid term '98x'")),
    (edited('capacity = 30', 'capacity = "30"'), ("weekday_salons.capacity", "expected an integer")),
    (edited('capacity = 30', 'capacity = 0'), ("weekday_salons.capacity", "at least 1")),
    (edited('lead_days = 3', 'lead_dayz = 3'), ("weekday_salons.lead_dayz", "unknown key")),
    (edited('slogan = "你有我也有"\n', ''), ("weekday_salons.salon[1].slogan", "is required")),
    (edited('invitation = "salon_invitation"', 'invite = "salon_invitation"'), ("templates.invitation", "is required")),
    (edited('kind = "weekday_salons"', 'kind = "salon"'), ("kind", "unknown value 'salon'")),
    (edited('tiers = ["A", "B", "C", "P"]', 'tiers = ["A", "VIP"]'), ("audience.tiers", "unknown tier 'VIP'")),
    (edited('send_time = "10:00"', 'send_time = "25:00"'), ("send_time", "expected a time")),
    (edited('enabled = true', 'enabled = "yes"'), ("enabled", "expected true or false")),
    (edited('makeup_sunday_salon = "mon"', 'makeup_sunday_salon = "xyz"'), ("makeup_sunday_salon", "unknown weekday")),
    (edited('id = "salons"', 'id = "my salons!"'), ("id", "letters, digits")),
    (edited('[weekday_salons]', '[weekday_salons]\nend_on = 2020-01-01'), ("weekday_salons.end_on", "unknown key")),
    (edited('enabled = true', 'enabled = true\nstart_on = 2025-02-01\nend_on = 2025-01-01'), ("end_on", "before start_on")),
    ('name = "x"\nkind = "zodiac_lucky_day"\n[templates]\nlucky_day = "lucky_day"\n[zodiac_lucky_day]\nrelations = ["liuchong"]\n',
     ("zodiac_lucky_day.relations", "unknown value 'liuchong'")),
    ('name = "x"\nkind = "zodiac_lucky_day"\n[templates]\nlucky_day = "lucky_day"\n[zodiac_lucky_day]\nstar_sign = "moon"\n',
     ("zodiac_lucky_day.star_sign", "unknown value 'moon'")),
    ('name = "x"\nkind = "birthday_maturity"\n[templates]\ngreeting = "g"\n[birthday_maturity]\nterms = ["2m", "forever"]\n',
     ("birthday_maturity.terms", "invalid term 'forever'")),
    ('name = "x"\nkind = "holding_notice"\n[templates]\nmaturity = "m"\n[holding_notice]\nmaturity_days_before = [7, -1]\n',
     ("holding_notice.maturity_days_before", "whole numbers")),
    ('name = "x"\nkind = "holding_notice"\n[templates]\n', ("templates", "names no template")),
    ('name = "x"\nkind = "post_event_followup"\n[templates]\nfollowup = "f"\n[post_event_followup]\n',
     ("post_event_followup.events_of", "is required")),
    ('name = "x"\nkind = "zodiac_lucky_day"\n[templates]\nlucky_day = "x"\nbirthday = "y"\n[zodiac_lucky_day]\n',
     ("templates.birthday", "unknown key")),
    ('name = "x"\nkind = ', ("invalid TOML",)),
    # Values that used to load and then crash planning (or every command) with exit 70.
    (edited('tiers = ["A", "B", "C", "P"]', 'tiers = [1]'), ("audience.tiers", "expected a list of strings, got 1")),
    (edited('tiers = ["A", "B", "C", "P"]', 'tiers = ["A"]\nstores = [1]'), ("audience.stores", "list of strings")),
    (BIRTHDAY.replace('banquet_tiers = ["A"]', 'banquet_tiers = [1]'), ("birthday_maturity.banquet_tiers", "list of strings")),
    (BIRTHDAY.replace('banquet_tiers = ["A"]', 'banquet_tiers = ["Z"]'), ("birthday_maturity.banquet_tiers", "unknown tier 'Z'")),
    (BIRTHDAY.replace('lead_days = 7', 'lead_days = 999999999'), ("birthday_maturity.lead_days", "at most 366")),
    (BIRTHDAY.replace('maturity_window_days = 3', 'maturity_window_days = 1000'), ("maturity_window_days", "at most 31")),
    (BIRTHDAY.replace('banquet_capacity = 20', 'banquet_capacity = 10000000'), ("banquet_capacity", "at most 10000")),
    (BIRTHDAY.replace('terms = ["2m", "98d", "6m", "1y"]', 'terms = ["20y"]'), ("birthday_maturity.terms", "longer than 10 years")),
    (BIRTHDAY.replace('terms = ["2m", "98d", "6m", "1y"]', 'terms = 5'), ("birthday_maturity.terms", "expected a list")),
    (BIRTHDAY.replace('banquet_time = "18:00"', 'banquet_time = 18:00:30'), ("banquet_time", "no seconds")),
    (edited('lead_days = 3', 'lead_days = 999999999'), ("weekday_salons.lead_days", "at most 366")),
    (edited('overbooking = 1.2', 'overbooking = nan'), ("weekday_salons.overbooking", "finite number, got nan")),
    (edited('overbooking = 1.2', 'overbooking = inf'), ("weekday_salons.overbooking", "finite number, got inf")),
    (edited('overbooking = 1.2', 'overbooking = 1e300'), ("weekday_salons.overbooking", "at most 10.0")),
    (edited('overbooking = 1.2', 'overbooking = true'), ("weekday_salons.overbooking", "expected a number, got True")),
    (edited('capacity = 30', 'capacity = 99999999'), ("weekday_salons.capacity", "at most 10000")),
    (edited('term = "1y"', 'term = "20y"'), ("weekday_salons.salon[6].term", "longer than 10 years")),
    (edited('send_time = "10:00"', 'send_time = "10:00+05:00"'), ("send_time", "no UTC offset", "10:00:00+05:00")),
    (edited('send_time = "10:00"', 'send_time = "10:00:30.5"'), ("send_time", "no seconds")),
    (edited('send_time = "10:00"', 'send_time = 10:00:01'), ("send_time", "no seconds")),
    (edited('followup_hours = 72', 'followup_hours = 100000'), ("weekday_salons.followup_hours", "at most 720")),
    (NOTICES.replace('maturity_days_before = [7, 1]', 'maturity_days_before = [999999999]'),
     ("holding_notice.maturity_days_before", "from 0 to 366, got 999999999")),
    (NOTICES.replace('maturity_days_before = [7, 1]', 'maturity_days_before = [7, 7]'), ("maturity_days_before", "twice")),
    (NOTICES.replace('maturity_days_before = [7, 1]', 'maturity_days_before = [true]'), ("maturity_days_before", "whole numbers")),
    (NOTICES.replace('maturity_days_before = [7, 1]', 'maturity_days_before = ["7"]'), ("maturity_days_before", "got '7'")),
    (FOLLOWUPS.replace('after_hours = 20', 'after_hours = 1000'), ("post_event_followup.after_hours", "at most 216")),
    (FOLLOWUPS.replace('window_hours = 72', 'window_hours = 99999999999'), ("post_event_followup.window_hours", "at most 720")),
    ("a = " + "[" * 3000 + "]" * 3000 + "\n", ("invalid TOML", "nested too deeply")),
    (ENCOUNTERS.replace('on = "checked_in"', 'on = "checked_out"'), ("trigger.on", "'checked_out'", "referral_converted")),
    (ENCOUNTERS.replace('delay = "2h"', 'delay = "2 weeks"'), ("trigger.delay", "'2 weeks'", '"30m"')),
    (ENCOUNTERS.replace('delay = "2h"', 'delay = "91d"'), ("trigger.delay", "'91d'", "at most 90 days")),
    (ENCOUNTERS.replace('visits_at_most = 2', 'visits_at_most = -1'), ("trigger.visits_at_most", "at least 0")),
    (ENCOUNTERS.replace('[trigger]', '[trigger]\nbackfill = 3'), ("trigger.backfill", "unknown key")),
    (ENCOUNTERS.replace('message = "three_encounters"', 'greeting = "three_encounters"'), ("templates.", "message")),
], ids=lambda v: v[0] if isinstance(v, tuple) else None)
def test_every_mistake_is_one_line_naming_file_key_and_value(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_duplicate_ids_across_files_are_reported(tmp_path):
    write(tmp_path, MINIMAL["holding_notice"].replace('name = "x"', 'id = "same"\nname = "x"'), "a.toml")
    write(tmp_path, MINIMAL["birthday_maturity"].replace('name = "x"', 'id = "same"\nname = "x"'), "b.toml")
    campaigns, problems = load_campaigns(tmp_path)
    assert len(campaigns) == 2 and len(problems) == 1 and "'same' is also the id of" in problems[0]


def test_a_followup_of_an_unknown_salon_campaign_is_refused_by_name(tmp_path):
    write(tmp_path, SALONS.read_text(encoding="utf-8"), "salons.toml")
    write(tmp_path, FOLLOWUPS, "good.toml")
    write(tmp_path, FOLLOWUPS.replace('id = "salon-followups"', 'id = "other"').replace('"salons"', '"salonz"'), "bad.toml")
    campaigns, problems = load_campaigns(tmp_path)
    assert sorted(c.id for c in campaigns) == ["salon-followups", "salons"]
    assert problems == [f"{tmp_path / 'bad.toml'}: post_event_followup.events_of: 'salonz' is not the id of any "
                        f"weekday_salons or event campaign in {tmp_path}"]


def test_a_trigger_inviting_to_an_unknown_campaign_is_refused_by_name(tmp_path):
    write(tmp_path, ENCOUNTERS.replace('"salons"', '"salonz"'), "bad.toml")
    campaigns, problems = load_campaigns(tmp_path)
    assert campaigns == []
    assert problems == [f"{tmp_path / 'bad.toml'}: trigger.invite_to: 'salonz' is not the id of any weekday_salons or "
                        f"event campaign in {tmp_path}"]


def test_a_birthday_file_without_terms_gets_the_default_terms_parsed(tmp_path):
    campaign = load_campaign(write(tmp_path, MINIMAL["birthday_maturity"]))
    assert [str(t) for t in campaign.spec.terms] == ["2m", "98d", "6m", "1y"]
    assert campaign.spec.terms[0].nominal_days == 60


@pytest.mark.parametrize("name", ["", "长" * 3000, "../secret", "salon//x"])
def test_a_template_name_that_cannot_be_a_file_is_refused_at_load(tmp_path, name):
    text = MINIMAL["holding_notice"].replace('maturity = "maturity_reminder"', f'maturity = "{name}"')
    with pytest.raises(CampaignError, match=r"templates\.maturity: .*expected a template name"):
        load_campaign(write(tmp_path, text))
