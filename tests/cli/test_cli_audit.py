"""`jinli audit`: every staff change made on the command line is recorded with who, what and why."""

from __future__ import annotations

import getpass
import json

import pytest


@pytest.fixture
def seeded(cli, make_csv):
    cli("import", "customers", str(make_csv("c.csv", "phone,name\n13800000001,王芳\n13800000002,李娜\n")))
    return cli


def test_pin_and_optout_are_in_the_trail_with_the_os_user(seeded):
    seeded("tiers", "pin", "13800000001", "A", "--reason", "行长推荐")
    seeded("optout", "add", "13800000002", "--reason", "电话里要求")
    seeded("tiers", "unpin", "13800000001")
    result = seeded("audit", "--json")
    assert result.exit_code == 0
    trail = [(e["actor"], e["action"], e["subject"], e["reason"], e["detail"]) for e in json.loads(result.output)]
    me = f"os:{getpass.getuser()}"
    assert trail[:3] == [
        (me, "tiers.unpin", "customer", "", ""),
        (me, "optout.add", "customer", "电话里要求", ""),
        (me, "tiers.pin", "customer", "行长推荐", '{"tier": "A"}'),
    ]
    assert [(actor, action, subject) for actor, action, subject, _r, _d in trail[3:]] == [(me, "import.customers", "file")]


def test_the_trail_of_one_customer(seeded):
    seeded("tiers", "pin", "13800000001", "A", "--reason", "行长推荐")
    seeded("optout", "add", "13800000002")
    result = seeded("audit", "--customer", "13800000002", "--json")
    assert [e["action"] for e in json.loads(result.output)] == ["optout.add"]


def test_the_table_is_in_chinese_and_an_empty_trail_says_so(cli, make_csv):
    assert cli("audit").output.strip() == "审计记录：无"
    seeded = cli
    seeded("import", "customers", str(make_csv("c.csv", "phone,name\n13800000001,王芳\n")))
    seeded("tiers", "pin", "13800000001", "B", "--reason", "老客户")
    output = seeded("audit").output
    assert "操作人" in output and "手动指定等级" in output and "老客户" in output
