"""Numbers past what the database holds, on the command line: a usage error naming the value, never exit 70."""

from __future__ import annotations

import pytest

HUGE = "9" * 25


@pytest.fixture
def seeded(cli, make_csv):
    cli("import", "customers", str(make_csv("c.csv", "phone,name,referral_code\n13800000001,王芳,WANGFANG\n")))
    return cli


@pytest.mark.parametrize("args", [
    ("checkin", "WANGFANG", "--event", HUGE),
    ("events", "close", HUGE),
    ("report", "funnel", "--event", HUGE),
    ("report", "followups", "--event", HUGE),
    ("report", "followups", "--hours", HUGE),
], ids=["checkin-event", "events-close", "report-event", "followups-event", "followups-hours"])
def test_an_id_or_window_past_the_database_is_a_usage_error(seeded, args):
    result = seeded(*args)
    assert result.exit_code == 2 and HUGE in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("who", [f"id:{HUGE}", "id:2147483648"])
def test_a_customer_id_past_the_database_is_refused_with_one_line(seeded, who):
    result = seeded("customers", "show", who)
    assert result.exit_code == 1 and result.output.strip() == f"jinli: error: customer {who!r}: an id is at most 2147483647"
