"""One masking rule: every output path shows phones as 138****8000; only the 72-hour call list shows them whole."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_events_reports import jinli, shop  # noqa: F401  (fixtures: the seeded shop's `jinli`)


def full_numbers_in(text: str, phones) -> list[str]:
    """The phones of ``phones`` found whole in ``text`` (E.164 or the 11 national digits)."""
    return [p for p in phones if p in text or p.removeprefix("+86") in text]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "html"])
def test_report_referrals_masks_phones_in_every_format(shop, fmt):
    output = shop("report", "referrals", "--format", fmt).output
    assert "王芳" in output and "138****0001" in output
    assert full_numbers_in(output, shop.seed.phones.values()) == []


def test_report_referrals_json_leaderboard_phones_are_masked(shop):
    leaders = json.loads(shop("report", "referrals", "--format", "json").output)["leaderboard"]
    assert [(x["name"], x["phone"]) for x in leaders[:1]] == [("王芳", "138****0001")]
    assert all("****" in x["phone"] for x in leaders)


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "html"])
def test_the_followup_call_list_is_the_one_place_with_whole_numbers(shop, fmt):
    output = shop("report", "followups", "--format", fmt).output
    assert "13800000001" in output  # 王芳: staff call her within 72 hours


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_referrals_list_masks_phones(shop, as_json):
    output = shop("referrals", "list", *(["--json"] if as_json else [])).output
    assert "138****0001" in output and full_numbers_in(output, shop.seed.phones.values()) == []


def test_events_list_shows_no_phone(shop):
    output = shop("events", "list", "--on", "2025-05-22", "--json").output
    assert full_numbers_in(output, shop.seed.phones.values()) == [] and "****" not in output


def test_an_error_naming_a_new_guest_masks_the_phone(shop):
    result = shop("checkin", "--walk-in", "13911112222", "--event", str(shop.seed.ids["E1"]))
    assert result.exit_code == 1 and "139****2222" in result.output and "13911112222" not in result.output


HOLDINGS = "holding_id,phone,amount,term,start_on\nH1,13800000001,100000,1y,2025-03-01\n"


@pytest.fixture
def one_customer(cli, make_csv):
    cli("import", "customers", str(make_csv("c.csv", "phone,name\n13800000001,王芳\n")))
    cli("import", "holdings", str(make_csv("h.csv", HOLDINGS)))
    return cli


@pytest.mark.parametrize("args", [
    ("customers", "list"), ("customers", "list", "--format", "csv"), ("customers", "list", "--format", "json"),
    ("customers", "list", "--search", "0001"),
    ("tiers", "explain", "13800000001"), ("tiers", "explain", "13800000001", "--json"),
    ("tiers", "pin", "13800000001", "A", "--reason", "VIP"), ("optout", "add", "13800000001"),
], ids=["customers-list", "customers-list-csv", "customers-list-json", "customers-search", "explain", "explain-json",
        "pin", "optout"])
def test_customer_commands_mask_the_phone(one_customer, args):
    result = one_customer(*args)
    assert result.exit_code == 0 and "138****0001" in result.output and "13800000001" not in result.output


@pytest.mark.parametrize("args", [("customers", "show", "13800000001"), ("customers", "show", "王芳", "--json")],
                         ids=["show", "show-json-by-name"])
def test_customers_show_gives_the_full_number_for_staff_who_must_call(one_customer, args):
    result = one_customer(*args)
    assert result.exit_code == 0 and "+8613800000001" in result.output
