"""The manager's screen and the door's rewards in a real headless Chromium, at a 390 px phone and a desktop.

Screenshots of each step go to var/screenshots/ (manage-*, customers-*, link-*, door-rewards-*) for people to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from records import audit, models, staff
from tests.events_seed import seed_shop
from tests.factories import add_customer
from tests.integration.checkin_site import flask_app, serving
from tests.integration.test_checkin_browser import backend, browser, screen, sign_in  # noqa: F401  (fixtures)
from tests.integration.test_door_busy_day import PASSWORD, busy_day, owed_gift
from tests.integration.test_manage_web import sheets

pytestmark = [pytest.mark.browser, pytest.mark.integration]
REPO = Path(__file__).resolve().parents[2]


def two_store_shop(app, site):
    """tests/events_seed.py's shop with E1, E2 at 南京路店 and E3 at 淮海路店, and 店长老陈 managing 南京路店."""
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    with app.engine.begin() as conn:
        seed = seed_shop(conn)
        events = models.Event.__table__
        conn.execute(update(events).where(events.c.id.in_([seed.ids["E1"], seed.ids["E2"]])).values(store="南京路店"))
        conn.execute(update(events).where(events.c.id == seed.ids["E3"]).values(store="淮海路店"))
        staff.add_staff(conn, "店长老陈", "manager", ("南京路店", "淮海路店"), PASSWORD, app.now())
    return seed


def table_counts(page) -> dict[str, int]:
    """The steps table as the browser shows it: step -> count (rows with a count only)."""
    rows = page.locator("#steps tbody tr")
    cells = [(rows.nth(i).locator("td[data-col=step]").inner_text(), rows.nth(i).locator("td[data-col=count]").inner_text())
             for i in range(rows.count())]
    return {step: int(count.replace(",", "")) for step, count in cells if count != "–"}


def drawn(page) -> dict[str, int]:
    """What Chart.js drew: each bar's label and value, read from the live chart object."""
    return page.evaluate("""() => { const c = window.funnelChart;
        return Object.fromEntries(c.data.labels.map((l, i) => [l, c.data.datasets[0].data[i]])); }""")


def test_a_manager_filters_the_funnel_by_store_sees_the_chart_and_downloads_the_workbook(app, site, screen, tmp_path):
    page, shot = screen
    two_store_shop(app, site)
    with serving(flask_app(app)) as base:
        sign_in(page, base, "店长老陈", "/manage/")
        if not page.locator("#filters").is_visible():
            page.click("#filters-box summary")
        page.select_option("#f-store", "南京路店")
        page.select_option("#f-by", "store")
        page.click("#apply")
        assert "门店=南京路店" in page.locator("#stated").inner_text()
        assert page.locator("canvas#funnel-canvas").count() == 1
        assert page.evaluate("document.getElementById('funnel-canvas').width") > 0
        assert drawn(page) == table_counts(page) and drawn(page)["邀请"] == 9 and drawn(page)["到场"] == 4
        rates = page.evaluate("window.funnelChart && JSON.parse(document.getElementById('funnel-data').textContent).of_invited")
        assert 44.4 in rates  # 到场 of invited, 4/9: the table's 占邀请 column
        shot("manage-5-funnel-chart-store")
        with page.expect_download() as info:
            page.click("#download-xlsx")
        saved = tmp_path / "funnel.xlsx"
        info.value.save_as(saved)
    book = sheets(saved.read_bytes())
    counts = {row[0]: row[1] for row in book["活动漏斗"][6:]}
    assert (counts["邀请"], counts["送达"], counts["确认参加"], counts["到场"], counts["转介绍"]) == (9, 8, 5, 4, 6)
    assert "门店=南京路店" in book["活动漏斗"][2][0]
    by_store = dict(zip(book["活动漏斗 · 门店"][5], book["活动漏斗 · 门店"][6]))
    assert (by_store["门店"], by_store["邀请"], by_store["到场"]) == ("南京路店", 9, 4)


def test_a_manager_reads_the_send_schedule_in_the_shops_clock_and_downloads_it(app, site, screen, tmp_path):
    """The campaigns page states its period and 北京时间; its workbook holds the page's day rows, number for number."""
    page, shot = screen
    two_store_shop(app, site)
    with serving(flask_app(app)) as base:
        sign_in(page, base, "店长老陈", "/manage/campaigns")
        stated = page.locator("#stated").inner_text()
        assert "时间段: 2025-06-02 — 2025-06-15" in stated and "时间均为北京时间（UTC+08:00）" in stated
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        texts = [int(x) for x in page.locator("#schedule tbody tr td:nth-child(4)").all_inner_texts()]
        shot("manage-6-campaigns-schedule")
        with page.expect_download() as info:
            page.click("#download-xlsx")
        saved = tmp_path / "schedule.xlsx"
        info.value.save_as(saved)
    (rows,) = sheets(saved.read_bytes()).values()
    header = next(n for n, row in enumerate(rows) if row[:2] == ["日期", "星期"])
    assert [int(row[4]) for row in rows[header + 1:] if row[0] and row[4] != ""] == texts and texts


def shop_with_manager(app):
    seed = busy_day(app)
    with app.engine.begin() as conn:
        staff.add_staff(conn, "店长老陈", "manager", ("南京路店",), PASSWORD, app.now())
        add_customer(conn, "+8613922220003", "张伟伟", store="淮海路店")
    return seed


def test_customers_a_manager_sees_their_store_and_door_staff_are_refused(app, screen):
    page, shot = screen
    shop_with_manager(app)
    with serving(flask_app(app)) as base:
        sign_in(page, base, "店长老陈", "/manage/customers")
        names = page.locator("#customers td[data-col=name]").all_inner_texts()
        assert names == ["李娜", "王芳", "张伟", "陈静"] and "张伟伟" not in names
        assert page.locator("#customers td[data-col=phone]").first.inner_text() == "138****0002"
        shot("customers-1-list")
        page.fill("#c-q", "0001")
        page.click("#c-apply")
        assert page.locator("#customers td[data-col=name]").all_inner_texts() == ["王芳"]
        page.click("#customers a >> text=王芳")
        assert page.locator("#customer-phone").inner_text() == "+8613800000001"
        shot("customers-2-customer")
        page.click("#signout")
        sign_in(page, base, "门口小王", "/manage/customers")
        assert page.locator("body").inner_text().count("没有权限") == 1
        shot("customers-3-door-refused")


def test_a_manager_links_a_walk_ins_unknown_referrer_and_it_counts_in_the_leaderboard(app, screen):
    page, shot = screen
    seed = shop_with_manager(app)
    with serving(flask_app(app)) as base:
        sign_in(page, base, "门口小王", "/checkin/")
        page.click(f"#pick-{seed.ids['E1']}")
        page.fill("#who", "13800000001")  # 王芳 comes, with a friend
        page.click("#check-in")
        page.fill("#phone", "139 0000 1234")
        page.fill("#name", "周敏")
        page.fill("#referrer_who", "王姐")
        page.click("#walk-in")
        assert "没有找到推荐人“王姐”" in page.locator("#warning").inner_text()
        page.click("#signout")
        sign_in(page, base, "店长老陈", "/manage/unlinked")
        assert "周敏" in page.locator("#unlinked").inner_text()
        shot("link-1-waiting")
        page.click("a[data-pick='周敏']")
        page.fill("#rq", "王芳")
        page.click("#find")
        shot("link-2-candidates")
        page.locator("button[data-referrer='王芳']").press("Enter")
        assert "已关联" in page.locator("#notice").inner_text() and "周敏" not in page.locator("#unlinked").inner_text()
        page.goto(f"{base}/manage/referrals")
        first = page.locator("#leaders tbody tr").first.inner_text()
        assert "王芳" in first and "\t1\t" in f"\t{first}\t".replace(" ", "\t")
        shot("link-3-leaderboard")
    with app.engine.connect() as conn:
        guest = conn.execute(select(models.Customer.id).where(models.Customer.name == "周敏")).scalar_one()
        entry = audit.entries(conn, customer_id=guest)[0]
    assert (entry["actor"], entry["action"]) == ("staff:店长老陈", "referral.link")


def test_at_check_in_the_door_shows_points_and_hands_over_an_owed_gift(app, screen):
    page, shot = screen
    seed = busy_day(app)
    reward = owed_gift(app, seed)
    with serving(flask_app(app)) as base:
        sign_in(page, base, "门口小王", "/checkin/")
        page.click(f"#pick-{seed.ids['E1']}")
        page.fill("#who", "13800000002")  # 李娜
        page.click("#check-in")
        assert page.locator("#points").inner_text() == "25" and "足金小金豆" in page.locator("#owed").inner_text()
        shot("door-rewards-1-check-in")
        page.locator(f"button[data-give='{reward}']").press("Enter")
        assert "已登记发放足金小金豆" in page.locator("#notice").inner_text() and page.locator("#no-owed").count() == 1
        shot("door-rewards-2-given")
    with app.engine.connect() as conn:
        given = conn.execute(select(models.ReferralReward.state, models.ReferralReward.given_by)).one()
        entry = audit.entries(conn, customer_id=seed.ids["r1"])[0]
    assert tuple(given) == ("given", "staff:门口小王") and (entry["actor"], entry["action"]) == ("staff:门口小王", "rewards.give")


def test_without_javascript_the_funnel_page_still_shows_its_table(app, site, browser):  # noqa: F811
    two_store_shop(app, site)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    with serving(flask_app(app)) as base:
        sign_in(page, base, "店长老陈", "/manage/funnel?store=南京路店")
        assert table_counts(page)["邀请"] == 9
        assert "图表需要浏览器开启 JavaScript" in page.locator("#funnel-chart").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
