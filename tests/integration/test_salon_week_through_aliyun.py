"""A salon week through Aliyun, end to end: what a shop in China does with jinli.

Four customers on +86 numbers; `[sms] routes = { CN = "aliyun" }` against the signature-verifying Aliyun
mock; the shipped salon campaign, its invitation carrying an RSVP link whose base is approved text and
whose token is a variable. Hand count, for Thursday's salon (2025-06-12, invited on Monday 06-09):

- invited 4 (王芳, 李娜, 张伟, 赵敏), each an Aliyun SendSms with the invitation's template code;
- a delivery receipt for 王芳 pushed to `jinli serve`'s callback: her invitation is `delivered`, the
  others stay `sent` ([events] count_sent_as_delivered keeps the funnel's delivered at 4);
- replies pushed: 王芳 "1" (confirms), 李娜 "退订" (opts out);
- 张伟 opens his RSVP link in Chromium: nothing changes; he taps 参加: confirmed;
- 赵敏 does nothing.

Funnel of that event: invited 4, delivered 4, confirmed 2, attended 0. Tuesday's run (Friday's salon)
invites 王芳, 张伟 and 赵敏 only (the capacity-limited pick leaves opted-out customers out); nothing is
sent to 李娜 again.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import App, ManualClock
from records import models
from settings import load_settings
from tests.factories import add_customer
from tests.integration import aliyun_mock
from tests.integration.aliyun_mock import AliyunMock
from tests.integration.test_rsvp_browser import browser  # noqa: F401  (Debian's Chromium with a Chinese font)
from tests.integration.web_server import running
from web.app import create_app

pytestmark = [pytest.mark.integration, pytest.mark.browser]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "var" / "screenshots"
PUBLIC = "https://jinli.example.cn"
SECRET = "cb-salon-week-0123456789"
INVITATION, REMINDER = "SMS_000000006", "SMS_000000007"  # the shipped registry's placeholder codes
GUESTS = {"王芳": "+8613800000001", "李娜": "+8613800000002", "张伟": "+8613800000003", "赵敏": "+8613800000004"}
MONDAY, TUESDAY, THURSDAY = date(2025, 6, 9), date(2025, 6, 10), date(2025, 6, 12)
# The shipped invitation with an RSVP link: the base is fixed text, only the token is a variable.
LINK = f"，或点 {PUBLIC}/r/"
TEMPLATE = ("{{ customer.name }}您好！{{ occurrence.event_date | md }}（{{ occurrence.weekday_label }}）"
            "{{ occurrence.start_time }}「{{ occurrence.slogan }}」沙龙在{{ occurrence.venue }}举行，欢迎带朋友来，"
            "到场有礼。回1参加，回2不参加" + LINK + "{{ rsvp_token }} 回复。签到码{{ occurrence.checkin_code }}。\n")
APPROVED = ("${name}您好！${date}（${weekday}）${time}「${slogan}」沙龙在${venue}举行，欢迎带朋友来，到场有礼。"
            "回1参加，回2不参加" + LINK + "${token} 回复。签到码${code}。回T退订")
outbox_t, customers_t, invitations_t = models.OutboxMessage.__table__, models.Customer.__table__, models.Invitation.__table__


@pytest.fixture
def aliyun(monkeypatch):
    mock = AliyunMock(templates={
        INVITATION: ("name", "date", "weekday", "time", "slogan", "venue", "token", "code"),
        REMINDER: ("name", "time", "slogan", "venue", "code"),
    })
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", aliyun_mock.ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", aliyun_mock.ACCESS_KEY_SECRET)
    monkeypatch.setenv("JINLI_CALLBACK_SECRET", SECRET)
    yield mock
    mock.close()


@pytest.fixture
def shop(site: Path, aliyun) -> App:
    """The salon campaign alone, the invitation with its RSVP link approved, +86 routed to the Aliyun mock."""
    (site.parent / "campaigns").mkdir()
    shutil.copy(REPO / "campaigns" / "salons.toml", site.parent / "campaigns")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    (site.parent / "templates" / "salon_invitation.j2").write_text(TEMPLATE, encoding="utf-8")
    registry = site.parent / "templates" / "approved.toml"
    text = registry.read_text(encoding="utf-8")
    start = text.index("[aliyun.salon_invitation]")
    end = text.index("[aliyun.salon_reminder]")
    registry.write_text(text[:start] + f'''[aliyun.salon_invitation]
code = "{INVITATION}"
text = "{APPROVED}"
variables = {{ name = "name", date = "date", weekday = "text", time = "date", slogan = "text", venue = "text", token = "token", code = "number" }}

''' + text[end:], encoding="utf-8")
    config = site.read_text(encoding="utf-8")
    config = config.replace('gateway = "file"', 'gateway = "file"\nroutes = { CN = "aliyun" }\nweekly_cap = 20')
    config = config.replace("[site]\n", f'[site]\npublic_base_url = "{PUBLIC}"\n')
    site.write_text(config + f'[aliyun]\nsign_name = "{aliyun_mock.SIGN_NAME}"\nendpoint = "{aliyun.url}"\n', encoding="utf-8")
    app = App(load_settings(site))
    with app.engine.begin() as conn:
        for name, phone in GUESTS.items():
            add_customer(conn, phone, name, tier="A")
    return app


@pytest.fixture
def served(shop: App):
    """`jinli serve`'s site for the shop (door page, callbacks, RSVP pages) on a real waitress server, its clock
    on Monday evening: after the invitations, before the salon (answers are taken until the event starts)."""
    monday_evening = ManualClock(datetime.combine(MONDAY, time(19, 30), shop.settings.tz))
    with running(create_app(App(shop.settings, clock=monday_evening)), "salon-week", threads=4) as url:
        yield url


def run_day(cli, day: date) -> None:
    result = cli("run", "--date", day.isoformat(), "--yes")
    assert result.exit_code == 0, result.output


def invitations_for(app: App, day: date) -> dict[str, dict]:
    """The invitation texts planned for ``day``'s salon, by customer name."""
    o, c = outbox_t.c, customers_t.c
    query = (select(c.name, o.id, o.state, o.reason, o.template_code, o.template_params, o.provider_id, o.body)
             .join(customers_t, c.id == o.customer_id).where(o.step == "invitation", o.occurrence_on == day))
    with app.engine.connect() as conn:
        return {row.name: dict(row._mapping) for row in conn.execute(query)}


def thursday_funnel(cli) -> dict:
    result = cli("report", "funnel", "--by", "event", "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = [r for r in json.loads(result.output)["groups"] if " 2025-06-12 14:00 " in f" {r['key']} "]
    return {k: row[k] for k in ("invited", "delivered", "confirmed", "attended")}


def states(app: App) -> dict[str, str]:
    """Each guest's invitation state for Thursday's salon."""
    i, c, e = invitations_t.c, customers_t.c, models.Event.__table__.c
    thursday = datetime.combine(THURSDAY, time(), app.settings.tz)
    query = select(c.name, i.state).join(customers_t, c.id == i.customer_id).join(
        models.Event.__table__, e.id == i.event_id).where(e.starts_at >= thursday, e.starts_at < thursday + timedelta(days=1))
    with app.engine.connect() as conn:
        return dict(conn.execute(query).all())


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_salon_week_through_aliyun_with_receipts_replies_and_the_rsvp_page(cli, shop, served, aliyun, browser):
    run_day(cli, MONDAY)
    invited = invitations_for(shop, THURSDAY)
    assert sorted(invited) == sorted(GUESTS) and {m["state"] for m in invited.values()} == {"sent"}
    assert {m["template_code"] for m in invited.values()} == {INVITATION}
    sent = {s.out_id: s for s in aliyun.sent}
    for name, message in invited.items():
        request = sent[str(message["id"])]
        params = json.loads(message["template_params"])
        assert (request.template_code, request.sign_name, request.template_param) == (INVITATION, aliyun_mock.SIGN_NAME, params)
        assert request.phone_numbers == GUESTS[name][3:] and params["name"] == name and len(params["token"]) == 10
        assert message["body"].startswith("【金福金行】") and f"{PUBLIC}/r/{params['token']} 回复" in message["body"]

    callbacks = f"{served}/callbacks/{SECRET}/aliyun"
    assert aliyun.push(f"{callbacks}/report", [aliyun.report(invited["王芳"]["provider_id"])])[0] == 200
    replies = [aliyun.reply(GUESTS["王芳"][3:], "1", 1, "2025-06-09 18:01:00"),
               aliyun.reply(GUESTS["李娜"][3:], "退订", 2, "2025-06-09 18:02:00")]
    assert aliyun.push(f"{callbacks}/reply", replies)[0] == 200
    assert aliyun.push(f"{served}/callbacks/wrong-secret-000000/aliyun/reply", replies)[0] == 404

    token = json.loads(invited["张伟"]["template_params"])["token"]
    tab = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, java_script_enabled=False,
                              locale="zh-CN").new_page()
    tab.goto(f"{served}/r/{token}")
    assert "你能我也能" in tab.locator("#slogan").inner_text()
    assert states(shop)["张伟"] == "invited"  # opening the link changed nothing
    tab.click("#confirm")
    assert "您已确认参加" in tab.locator("#message").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "rsvp-confirmed-360.png"), full_page=True)

    assert states(shop) == {"王芳": "confirmed", "李娜": "invited", "张伟": "confirmed", "赵敏": "invited"}
    assert {n: m["state"] for n, m in invitations_for(shop, THURSDAY).items()} == {
        "王芳": "delivered", "李娜": "sent", "张伟": "sent", "赵敏": "sent"}
    with shop.engine.connect() as conn:
        opted = dict(conn.execute(select(customers_t.c.name, customers_t.c.opted_out)).all())
    assert opted == {"王芳": False, "李娜": True, "张伟": False, "赵敏": False}
    assert thursday_funnel(cli) == {"invited": 4, "delivered": 4, "confirmed": 2, "attended": 0}

    texts_before = len(aliyun.sent)
    run_day(cli, TUESDAY)
    friday = invitations_for(shop, date(2025, 6, 13))
    assert {n: m["state"] for n, m in friday.items()} == {"王芳": "sent", "张伟": "sent", "赵敏": "sent"}
    assert len(aliyun.sent) == texts_before + 3
    assert GUESTS["李娜"][3:] not in {s.phone_numbers for s in aliyun.sent[texts_before:]}
