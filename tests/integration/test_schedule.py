"""`jinli schedule` agrees with what `jinli run` then sends, day by day, over two weeks of a seeded shop.

The shop: 160 synthetic customers (bench.synthetic, fixed seed) with the shipped salons, birthday and
lucky-day campaigns and their templates. The schedule is computed first, at 08:00 on the first day;
then `jinli run --date D` runs each day at 20:00 (JINLI_NOW), through the file gateway.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import App
from bench.synthetic import generate
from records import models
from settings import load_settings

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
START = date(2025, 6, 3)  # a Tuesday
CAMPAIGNS = ("salons", "birthday", "lucky_day")


@pytest.fixture
def shop(site: Path, cli, monkeypatch):
    """A seeded shop: customers, holdings and movements imported, tiers scored, three campaigns."""
    (site.parent / "campaigns").mkdir()
    for name in CAMPAIGNS:
        shutil.copy(REPO / "campaigns" / f"{name}.toml", site.parent / "campaigns")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    files = generate(site.parent / "shop", 160, START, seed=7)
    for kind in ("customers", "holdings", "movements"):
        assert cli("import", kind, str(files[kind])).exit_code == 0
    assert cli("tiers", "recompute", "--as-of", START.isoformat()).exit_code == 0
    return App(load_settings(site))


def at(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+08:00"


def sent_by_day_and_campaign(app: App) -> Counter:
    o = models.OutboxMessage.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(o.sent_at, o.campaign_id).where(o.state == "sent")).all()
    return Counter((sent_at.astimezone(SH).date().isoformat(), campaign) for sent_at, campaign in rows)


def outbox_rows(app: App) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(models.OutboxMessage.__table__)).scalar_one()


def test_the_schedule_of_two_weeks_is_what_the_daily_runs_send(shop, cli, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", at(START, 8))
    result = cli("schedule", "--days", "14", "--format", "json")
    assert result.exit_code == 0, result.output
    schedule = json.loads(result.stdout)
    assert outbox_rows(shop) == 0  # computed, nothing written

    for n in range(14):
        day = START + timedelta(days=n)
        monkeypatch.setenv("JINLI_NOW", at(day, 20))
        run = cli("run", "--date", day.isoformat(), "--yes")
        assert run.exit_code == 0, run.output

    scheduled = Counter({(d["date"], c["campaign"]): c["texts"] for d in schedule["days"] for c in d["campaigns"]
                         if c["texts"]})
    assert sent_by_day_and_campaign(shop) == scheduled
    # The fortnight exercises what makes the days depend on each other: all three campaigns send,
    # and the weekly cap stops texts the days before made too many.
    assert {campaign for _, campaign in scheduled} == {"salons", "birthday", "lucky-day"}
    assert sum(c["excluded"].get("cap", 0) for d in schedule["days"] for c in d["campaigns"]) > 0
    assert [d["date"] for d in schedule["days"]] == [(START + timedelta(days=n)).isoformat() for n in range(14)]


def test_the_schedule_counts_segments_and_cost_of_what_it_shows(shop, cli, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", at(START, 8))
    schedule = json.loads(cli("schedule", "--days", "3", "--format", "json", "--campaign", "salons").stdout)
    rows = [c for d in schedule["days"] for c in d["campaigns"]]
    assert rows and {c["campaign"] for c in rows} == {"salons"}
    for row in rows:
        assert row["segments"] >= row["texts"] >= row["recipients"] > 0
        assert row["cost"] == round(row["segments"] * 0.05, 2)
    assert schedule["totals"]["texts"] == sum(c["texts"] for c in rows)


def test_a_paused_campaign_is_scheduled_to_send_nothing(shop, cli, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", at(START, 8))
    assert cli("campaigns", "pause", "salons", "--reason", "装修").exit_code == 0
    schedule = json.loads(cli("schedule", "--days", "7", "--format", "json").stdout)
    assert "salons" not in {c["campaign"] for d in schedule["days"] for c in d["campaigns"]}
    assert schedule["paused"]["salons"]["reason"] == "装修"


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"])  # the page, not the database, is under test here
def test_the_html_schedule_fits_a_phone(shop, cli, monkeypatch, tmp_path, backend):
    from reports.charts import cjk_font_path
    from tests.integration.test_checkin_browser import ARGS, CHROMIUM
    from tests.services import unavailable, why_missing

    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        unavailable(why_missing("chromium", f"{CHROMIUM} not found (apt-get install chromium)"))
    monkeypatch.setenv("JINLI_NOW", at(START, 8))
    page_file = tmp_path / "schedule.html"
    assert cli("schedule", "--days", "14", "--format", "html", "-o", str(page_file)).exit_code == 0
    data = json.loads(cli("schedule", "--days", "14", "--format", "json").stdout)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = chromium.new_page(viewport={"width": 390, "height": 844})
        page.goto(page_file.as_uri())
        font = cjk_font_path()  # a phone has Chinese fonts; this machine lends the one the reports ship with
        if font is not None:
            page.add_style_tag(content=f'@font-face{{font-family:"Noto Sans SC";src:url("{font.as_uri()}")}}')
            page.evaluate("document.fonts.ready")
        page.screenshot(path=str(tmp_path / "schedule-390.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        cards = page.locator("section.day").count()
        header = page.locator("header").inner_text()
        first = page.locator("section.day").first.inner_text()
        chromium.close()
    assert overflow <= 390  # nothing to scroll sideways on a phone
    assert cards == 14
    assert "发送日程" in header and f"{data['totals']['texts']}\n条短信" in header
    assert first.startswith("6月3日\n周二")
