"""The staff pages in a real headless Chromium (Debian's, driven by Playwright), at a 390 px phone and a desktop.

Screenshots of each step go to var/screenshots/ (ignored by git) for people to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import update

from records import models, staff
from tests.events_seed import seed_shop
from tests.integration.checkin_site import flask_app, serving
from tests.integration.test_door_busy_day import PASSWORD, busy_day
from tests.services import unavailable, why_missing

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORTS = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                       "device_scale_factor": 2},
             "desktop": {"viewport": {"width": 1280, "height": 900}}}


# The browser's own language (on Linux, its LANG; neither <html lang> nor the context's locale) sets how
# <input type=date> spells a day: 年/月/日 for a Chinese staff member's browser, mm/dd/yyyy for en-US. Debian's
# chromium needs chromium-l10n for it; without it the fields fall back to mm/dd/yyyy (the tests pass either way).
CHINESE = {**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}
CHINESE.pop("LC_ALL", None)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright; the browser is Debian's chromium)")
    if not os.path.exists(CHROMIUM):
        unavailable(why_missing("chromium", f"{CHROMIUM} not found (apt-get install chromium)"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, env=CHINESE)
        yield chromium
        chromium.close()


@pytest.fixture(params=["sqlite"])  # the pages, not the database, are under test here
def backend(request):
    return request.param


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser):
    context = browser.new_context(**VIEWPORTS[request.param], locale="zh-CN", accept_downloads=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{request.param}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[request.param]["viewport"]["width"]

    yield page, shot
    context.close()


def sign_in(page, base: str, name: str, path: str) -> None:
    page.goto(f"{base}{path}")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#signin")


def test_a_door_person_works_a_busy_day(app, screen):
    page, shot = screen
    seed = busy_day(app)
    with serving(flask_app(app)) as base:
        page.goto(f"{base}/checkin/")
        shot("door-1-signin")
        sign_in(page, base, "门口小王", "/checkin/")
        assert "今天有好几场活动" in page.locator("#message").inner_text()
        shot("door-2-pick-event")
        page.click(f"#pick-{seed.ids['E1']}")
        assert page.locator("#event-title").inner_text() == "14:00 周一沙龙"

        page.fill("#who", seed.codes[("E1", "c1")].lower())
        page.click("#check-in")
        assert page.locator("#guest-name").inner_text() == "陈静" and "签到成功" in page.locator("#status").inner_text()
        assert page.locator("#arrived").inner_text() == "1"
        shot("door-3-by-code")

        page.fill("#who", "138 0000 0001")
        page.click("#check-in")
        assert page.locator("#guest-name").inner_text() == "王芳" and page.locator("#arrived").inner_text() == "2"

        page.fill("#phone", "139 0000 1234")
        page.fill("#name", "周敏")
        page.fill("#referrer_who", "13955556666")
        page.click("#walk-in")
        assert page.locator("#guest-name").inner_text() == "周敏"
        assert "没有找到推荐人“13955556666”" in page.locator("#warning").inner_text()
        assert page.locator("#walk-ins").inner_text() == "1"
        shot("door-4-walk-in-unknown-referrer")

        page.fill("#who", "ZZZZZZ")
        page.click("#check-in")
        assert "没有找到“ZZZZZZ”" in page.locator("#message").inner_text() and page.input_value("#who") == "ZZZZZZ"
        shot("door-5-error-keeps-typing")


def test_a_door_person_checks_in_from_the_expected_list(app, screen):
    page, shot = screen
    seed = busy_day(app)
    with serving(flask_app(app)) as base:
        sign_in(page, base, "门口小王", "/checkin/")
        page.click(f"#pick-{seed.ids['E1']}")
        page.fill("#q", "王")  # filters as it is typed
        assert page.locator("#guests tr.guest-row:visible").count() == 1
        shot("door-6-expected-search")
        # A tap; pressed as a key because after a full-page shot headless Chromium's clicks can miss on a wide screen.
        page.locator("button[data-guest='王芳']").press("Enter")
        assert page.locator("#guest-name").inner_text() == "王芳" and page.locator("#arrived").inner_text() == "1"
        shot("door-7-expected-tap")


def test_the_door_page_works_without_javascript(app, browser):
    seed = busy_day(app)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    with serving(flask_app(app)) as base:
        sign_in(page, base, "门口小王", "/checkin/")
        page.click(f"#pick-{seed.ids['E2']}")
        page.goto(f"{base}/checkin/?q=张")
        page.click("button[data-guest='张伟']")
        assert page.locator("#guest-name").inner_text() == "张伟"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_a_manager_filters_the_funnel_by_store_and_downloads_it(app, site, screen, tmp_path):
    page, shot = screen
    shutil.copytree(Path(__file__).resolve().parents[2] / "campaigns", site.parent / "campaigns",
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", site.parent / "templates")
    with app.engine.begin() as conn:
        seed = seed_shop(conn)
        events = models.Event.__table__
        conn.execute(update(events).where(events.c.id.in_([seed.ids["E1"], seed.ids["E2"]])).values(store="南京路店"))
        conn.execute(update(events).where(events.c.id == seed.ids["E3"]).values(store="淮海路店"))
        staff.add_staff(conn, "老板", "admin", (), PASSWORD, app.now())
    with serving(flask_app(app)) as base:
        sign_in(page, base, "老板", "/manage/")
        assert page.locator("#steps td[data-col=count]").first.inner_text() == "11"
        shot("manage-1-funnel-all")
        if not page.locator("#filters").is_visible():
            page.click("#filters-box summary")
        page.select_option("#f-store", "南京路店")
        page.select_option("#f-by", "store")
        page.click("#apply")
        assert page.locator("#steps td[data-col=count]").first.inner_text() == "9"
        assert "门店=南京路店" in page.locator("#stated").inner_text()
        shot("manage-2-funnel-store")
        with page.expect_download() as info:
            page.click("#download")
        saved = tmp_path / "funnel.csv"
        info.value.save_as(saved)
        rows = saved.read_text(encoding="utf-8-sig").splitlines()
        assert rows[0].startswith("门店,邀请,送达,送达/邀请") and rows[1].startswith("南京路店,9,8,")
        page.click("text=转介绍")
        shot("manage-3-referrals")
        page.click("text=活动状态")
        assert "进行中" in page.locator("#campaigns").inner_text()
        shot("manage-4-campaigns")
