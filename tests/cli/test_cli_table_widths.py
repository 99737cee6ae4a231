"""Tables fit the terminal: with COLUMNS=80 (and 60) no printed line is wider, counting a Chinese character as two
columns; a long cell wraps or ends in an ellipsis, and a masked phone is never cut."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from tests.cli.views_shop import DATA_COMMANDS, build_shop

WIDEST = ("campaigns list", "outbox list", "report funnel", "customers list", "schedule")


@pytest.fixture
def shop(cli, site, monkeypatch):
    build_shop(site, cli, monkeypatch)
    return cli


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("name", WIDEST + ("outbox stuck", "optout list", "audit", "events list", "points show",
                                           "staff list"))
def test_no_printed_line_is_wider_than_the_terminal(shop, monkeypatch, name, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = shop(*DATA_COMMANDS[name])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 4  # a table was drawn
    assert max(cell_len(line) for line in lines) <= width, "\n".join(lines)


def test_a_wide_table_on_a_wide_terminal_is_not_shortened(shop, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert "…" not in shop("outbox", "list").stdout


@pytest.mark.parametrize("name", ["outbox list", "customers list", "optout list"])
def test_masked_phones_stay_whole_at_sixty_columns(shop, monkeypatch, name):
    monkeypatch.setenv("COLUMNS", "60")
    out = shop(*DATA_COMMANDS[name]).stdout
    assert re.findall(r"138\*{4}\d{4}", out) and not re.search(r"13\d\**\d*…", out)
