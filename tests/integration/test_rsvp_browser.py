"""The RSVP page in a real headless Chromium at 360 px (Debian's, driven by Playwright): no JavaScript needed."""

from __future__ import annotations

import pytest

import os
from pathlib import Path

from tests.integration.test_checkin_browser import ARGS, CHROMIUM
from tests.integration.test_rsvp_links import invitation_states, page, server, site_app  # noqa: F401
from tests.services import unavailable, why_missing

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's Chromium, with a Chinese font (Noto Sans SC from a PyPI package) when the system has none,
    so the screenshot shows the text a customer's phone shows."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright; the browser is Debian's chromium)")
    if not os.path.exists(CHROMIUM):
        unavailable(why_missing("chromium", f"{CHROMIUM} not found (apt-get install chromium)"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True,
                                              env={**os.environ, **_chinese_font(tmp_path_factory.mktemp("fonts"))})
        yield chromium
        chromium.close()


def _chinese_font(folder: Path) -> dict[str, str]:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return {}
    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{Path(pylopdf_fonts_zh_cn.__file__).parent}</dir>
<cachedir>{folder}</cachedir></fontconfig>""", encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


@pytest.fixture(params=["sqlite"])  # the page, not the database, is under test here
def backend(request):
    return request.param


def test_a_guest_confirms_from_a_360_px_phone_without_javascript(site_app, page, browser, tmp_path):  # noqa: F811
    base, tokens = page
    wang = min(tokens)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  java_script_enabled=False, locale="zh-CN")
    tab = context.new_page()
    tab.goto(f"{base}/r/{tokens[wang]}")
    assert tab.locator("#slogan").is_visible() and tab.locator("#when").inner_text().startswith("6月5日（周四）")
    for button in ("#confirm", "#decline"):
        box = tab.locator(button).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44  # on screen, thumb-sized
    tab.screenshot(path=str(tmp_path / "rsvp-360.png"), full_page=True)
    assert invitation_states(site_app)[wang] == "invited"  # opening it changed nothing

    tab.click("#confirm")
    assert "您已确认参加" in tab.locator("#message").inner_text()
    tab.screenshot(path=str(tmp_path / "rsvp-360-confirmed.png"), full_page=True)
    assert invitation_states(site_app)[wang] == "confirmed"
    context.close()
