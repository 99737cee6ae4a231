"""The door page in a real headless Chromium (Debian's, driven by Playwright): sign in, check a guest in."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request

import pytest

from tests.integration.checkin_site import TOKEN, door_scene, flask_app, serving
from tests.services import unavailable, why_missing

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright; the browser is Debian's chromium)")
    if not os.path.exists(CHROMIUM):
        unavailable(why_missing("chromium", f"{CHROMIUM} not found (apt-get install chromium)"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(params=["sqlite"])  # the page, not the database, is under test here
def backend(request):
    return request.param


@pytest.fixture
def door(app):
    seed = door_scene(app)
    with serving(flask_app(app)) as base:
        yield base, seed


def post_json(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_unauthenticated_requests_are_refused(door):
    base, _ = door
    status, body = post_json(f"{base}/checkin/api", {"who": "HAHXYZ"})
    assert (status, body) == (401, {"error": "staff token required"})
    status, body = post_json(f"{base}/checkin/api", {"who": "HAHXYZ"}, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and body["name"] == "王芳"


def test_staff_check_a_guest_in_from_a_phone(door, browser, tmp_path):
    base, _ = door
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/checkin/")
    assert page.locator("#token").is_visible() and "王芳" not in page.content()
    refused = page.request.post(f"{base}/checkin/api", data={"who": "HAHXYZ"})
    assert refused.status == 401 and "王芳" not in refused.text()

    page.fill("#token", "not-the-token")
    page.click("#login")
    assert "Wrong token" in page.locator("#message").inner_text()

    page.fill("#token", TOKEN)
    page.click("#login")
    page.fill("#who", "hah xyz")
    page.click("#check-in")
    assert page.locator("#guest-name").inner_text() == "王芳"
    assert page.locator("#visits").inner_text() == "1"
    assert page.locator("#gift").inner_text() == "福字红包"
    assert page.locator("#referrer").inner_text() == "李娜 (138****0002)"
    assert "签到成功" in page.locator("#status").inner_text()
    page.screenshot(path=str(tmp_path / "checkin.png"), full_page=True)

    page.fill("#who", "13800000001")
    page.click("#check-in")
    assert "已签到 already checked in" in page.locator("#status").inner_text()

    page.fill("#phone", "139 0000 1234")
    page.fill("#name", "周敏")
    page.fill("#referrer_who", "13800000001")
    page.click("#walk-in")
    assert page.locator("#guest-name").inner_text() == "周敏"
    assert "新客" in page.content() and page.locator("#referrer").inner_text() == "王芳 (138****0001)"

    assert page.request.post(f"{base}/checkin/api", data={"who": "HAHXYZ"}).json()["already"] is True  # the staff cookie

    page.fill("#who", "ZZZZZZ")
    page.click("#check-in")
    assert "ZZZZZZ" in page.locator("#message").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone screen
    context.close()
