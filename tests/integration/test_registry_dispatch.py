"""Planning through the approved-template registry: +86 through Aliyun with codes and variables, the
provider's promotional hours and daily cap, preview's fields, and send-test against the Aliyun mock."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from records import models
from tests.factories import add_customer
from tests.integration import aliyun_mock
from tests.integration.aliyun_mock import AliyunMock

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
outbox_t = models.OutboxMessage.__table__
LUCKY = "SMS_000000001"  # the shipped registry's placeholder code for lucky_day
WEDNESDAY = date(2025, 6, 4)  # a member day; 1993-06-01 (鸡, 双子) is lucky on it


@pytest.fixture
def aliyun(monkeypatch):
    mock = AliyunMock(templates={LUCKY: ("name", "animal", "sign", "code")})
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", aliyun_mock.ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", aliyun_mock.ACCESS_KEY_SECRET)
    yield mock
    mock.close()


@pytest.fixture
def shop(site: Path, aliyun) -> Path:
    """The shipped playbook beside the test site; +86 through Aliyun (the mock), the rest through the file gateway."""
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    text = site.read_text(encoding="utf-8").replace('gateway = "file"', 'gateway = "file"\nroutes = { CN = "aliyun" }')
    site.write_text(text + f'[aliyun]\nsign_name = "金福金行"\nendpoint = "{aliyun.url}"\n', encoding="utf-8")
    return site.parent


def lucky_send_time(shop: Path, at: str) -> None:
    path = shop / "campaigns" / "lucky_day.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('send_time = "10:00"', f'send_time = "{at}"'), encoding="utf-8")


def outbox(app) -> list[dict]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(outbox_t).order_by(outbox_t.c.id)).mappings()]


def preview(cli) -> list[dict]:
    result = cli("campaigns", "preview", "lucky-day", "--date", WEDNESDAY.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    [occurrence] = json.loads(result.output)["occurrences"]
    return occurrence["recipients"]


def test_a_chinese_customer_is_planned_and_sent_as_aliyuns_template_code_signature_and_variables(cli, app, shop, aliyun):
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001", referral_code="K2M5QX7")

    result = cli("run", "--date", WEDNESDAY.isoformat(), "--campaign", "lucky-day")

    assert result.exit_code == 0, result.output
    [row] = outbox(app)
    variables = {"name": "鸡双子", "animal": "鸡", "sign": "双子", "code": "K2M5QX7"}
    assert (row["state"], row["template_code"], json.loads(row["template_params"])) == ("sent", LUCKY, variables)
    assert row["body"] == "【金福金行】鸡双子您好！今天是会员日，也是属鸡、双子座会员的幸运日。欢迎把这份好心情分享给一位朋友，推荐码K2M5QX7。回T退订"
    [sent] = aliyun.sent
    assert (sent.phone_numbers, sent.template_code, sent.sign_name, sent.template_param, sent.out_id) == (
        "13800000001", LUCKY, "金福金行", variables, str(row["id"]))


def test_preview_shows_gateway_template_code_variables_and_cost_per_text(cli, app, shop):
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001", referral_code="K2M5QX7")
    [recipient] = preview(cli)
    assert (recipient["gateway"], recipient["template_code"], recipient["segments"], recipient["cost"]) == ("aliyun", LUCKY, 1, 0.05)
    assert recipient["template_params"]["code"] == "K2M5QX7" and recipient["lint"] == [] and recipient["deferred"] is None
    text = cli("campaigns", "preview", "lucky-day", "--date", WEDNESDAY.isoformat()).output
    assert "138****0001 · 1 条 · aliyun SMS_000000001 · ¥0.05" in text


def test_a_promotional_text_due_after_8_pm_waits_for_8_am_through_aliyun_only(cli, app, shop):
    lucky_send_time(shop, "20:30")  # before [sms] quiet hours (21:00), after Aliyun's promotional hours (20:00)
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001")
        add_customer(conn, name="Rooster Gemini", birthday="1993-06-02", tier="B", phone="+12025550123")
    due = {r["name"]: (r["gateway"], r["send_at"]) for r in preview(cli)}
    assert due == {"鸡双子": ("aliyun", "2025-06-05T08:00:00+08:00"), "Rooster Gemini": ("file", "2025-06-04T20:30:00+08:00")}


def test_the_51st_text_of_the_day_to_a_number_is_deferred_to_the_next_day_and_shown_as_daily_cap(cli, app, shop):
    with app.engine.begin() as conn:
        customer = add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001")
        other = add_customer(conn, name="鸡双子二", birthday="1993-06-02", tier="B", phone="+8613800000002")
        day = datetime(2025, 6, 4, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
        for phone, who, count in (("+8613800000001", customer, 50), ("+8613800000002", other, 49)):
            conn.execute(insert(outbox_t), [dict(
                key=f"notice·{phone}·{i}", campaign_id="holding-notices", occurrence_on=WEDNESDAY, step="maturity",
                customer_id=who, phone=phone, body="提示", state="sent", due_at=day + timedelta(minutes=i),
                planned_at=day, message_class="notice") for i in range(count)])

    shown = {r["name"]: (r["deferred"], r["send_at"]) for r in preview(cli)}
    assert shown == {"鸡双子": ("daily_cap", "2025-06-05T08:00:00+08:00"), "鸡双子二": (None, "2025-06-04T10:00:00+08:00")}
    assert "延后（当日已达上限）→ 2025-06-05T08:00:00+08:00" in cli("campaigns", "preview", "lucky-day", "--date", "2025-06-04").output

    with app.engine.begin() as conn:
        from campaigns.definitions import load_campaign
        from campaigns.planning import Planner
        from campaigns.run import plan_day
        from settings import load_settings
        planner = Planner.from_settings(load_settings(shop / "config.toml"))  # app.settings predates the routes
        summary = plan_day(conn, planner, [load_campaign(shop / "campaigns" / "lucky_day.toml")], WEDNESDAY, day)
        assert summary.failed == {} and summary.planned == 2
    lucky = {r["phone"]: r["due_at"] for r in outbox(app) if r["campaign_id"] == "lucky-day"}
    tz = app.settings.tz
    assert {p: d.astimezone(tz).isoformat() for p, d in lucky.items()} == {
        "+8613800000001": "2025-06-05T08:00:00+08:00", "+8613800000002": "2025-06-04T10:00:00+08:00"}


def test_a_template_without_an_approved_entry_is_suppressed_as_no_template_not_sent(cli, app, shop, aliyun):
    approved = shop / "templates" / "approved.toml"
    approved.write_text(approved.read_text(encoding="utf-8").replace("[aliyun.lucky_day]", "[aliyun.lucky_days]"), encoding="utf-8")
    with app.engine.begin() as conn:
        add_customer(conn, name="鸡双子", birthday="1993-06-01", tier="B", phone="+8613800000001")
    result = cli("run", "--date", WEDNESDAY.isoformat(), "--campaign", "lucky-day")
    assert result.exit_code == 0, result.output
    assert [(r["state"], r["reason"]) for r in outbox(app)] == [("suppressed", "no_template")]
    assert aliyun.sent == [] and "拦截（无报备模板）：1" in result.output


def test_send_test_sends_the_sample_through_aliyun_outside_the_outbox_and_audits_it(cli, app, shop, aliyun):
    result = cli("send-test", "13800138000", "--campaign", "lucky-day")

    assert result.exit_code == 0, result.output
    [sent] = aliyun.sent
    assert (sent.phone_numbers, sent.template_code, sent.sign_name, sent.template_param, sent.out_id) == (
        "13800138000", LUCKY, "金福金行", {"name": "王芳", "animal": "马", "sign": "白羊", "code": "8K2M5QX"}, "0")
    assert f"已经 aliyun（模板 {LUCKY}） 发往 138****8000：服务商编号 {sent.biz_id}" in result.output
    assert outbox(app) == []
    [entry] = json.loads(cli("audit", "--json").output)
    assert (entry["action"], entry["subject_id"]) == ("sms.send_test", "lucky-day")
    assert json.loads(entry["detail"])["to"] == "138****8000"


def test_send_test_reports_the_providers_refusal_in_one_line(cli, app, shop, aliyun):
    aliyun.answer_for("13800138000", "isv.SMS_TEMPLATE_ILLEGAL")
    result = cli("send-test", "13800138000", "--campaign", "lucky-day", "--step", "lucky_day")
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("jinli: error: aliyun: message 0 to 138****8000") and "isv.SMS_TEMPLATE_ILLEGAL" in line
