"""The manager's screen (/manage): a two-store shop counted by hand, roles, filters, CSV, follow-ups, campaigns.

The shop of tests/events_seed.py, with E1 (salon, 05-19) and E2 (salon, 05-22) held at 南京路店 and E3
(banquet, 05-27) at 淮海路店. Counted by hand from the seed's table:

| 南京路店 (E1 + E2) | E1 | E2 | total |   | 淮海路店 (E3) |   |
|--------------------|----|----|-------|---|---------------|---|
| invited            | 5  | 4  | 9     |   | invited       | 2 |
| delivered (sent counts) | 4 (c1 failed) | 4 | 8 | | delivered  | 2 |
| confirmed (+attended, no-show) | 3 (a1, a2, c1) | 2 (b2, p2) | 5 | | confirmed | 1 |
| attended           | 2 (a1, c1) | 2 (b2, p2) | 4 | | attended      | 1 |
| walk-ins           | 2 (w1, g1) | 1 (g1) | 3 |   | walk-ins      | 2 (f2, g1) |
| referrers          | 3 (a1, w1, c1) | 2 (p2, b2) | 5 | | referrers | 0 |
| referrals          | 4 (w1, f7, f3, f2) | 2 (f5, f4) | 6 | | referrals | 0 |
| converted          | 2 (w1, f3) | 1 (f4) | 3 |   | converted     | 0 |
| deposits (yuan)    | 50,000 + 10,000 | 20,000 | 80,000 | | deposits | 0 |

So 到场/确认参加 at 南京路店 is 4/5 = 80.0%, and attended of invited 4/9 = 44.4%.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import update

from records import models, staff
from tests.events_seed import seed_shop
from tests.factories import add_customer
from tests.integration.checkin_site import flask_app, post_form, sign_in

PASSWORD = "manager-secret-1"
NANJING = {"invited": 9, "delivered": 8, "confirmed": 5, "attended": 4, "walk_ins": 3, "referrers": 5, "referrals": 6,
           "converted": 3}


@pytest.fixture
def shop(app):
    with app.engine.begin() as conn:
        seed = seed_shop(conn)
        events = models.Event.__table__
        conn.execute(update(events).where(events.c.id.in_([seed.ids["E1"], seed.ids["E2"]])).values(store="南京路店"))
        conn.execute(update(events).where(events.c.id == seed.ids["E3"]).values(store="淮海路店"))
        staff.add_staff(conn, "店长老陈", "manager", ("南京路店",), PASSWORD, app.now())
        staff.add_staff(conn, "老板", "admin", (), PASSWORD, app.now())
        staff.add_staff(conn, "门口小王", "door", ("南京路店",), PASSWORD, app.now())
    return seed, flask_app(app).test_client(), app


def steps_on_page(html: str) -> dict[str, str]:
    """The funnel steps table as the page shows it: label -> count cell."""
    body = html.split('id="steps"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [re.findall(r'<td[^>]*data-col="(\w+)">([^<]*)</td>', row) for row in rows]
    return {dict(c)["step"]: dict(c)["count"] for c in cells if c}


def chart_on_page(html: str) -> dict:
    """The numbers the page hands to Chart.js (its JSON block)."""
    return json.loads(html.split('<script type="application/json" id="funnel-data">')[1].split("</script>")[0])


def of_invited_on_page(html: str) -> dict[str, str]:
    """The steps table's 占邀请 column: label -> cell."""
    body = html.split('id="steps"')[1].split("</table>")[0]
    cells = [dict(re.findall(r'<td[^>]*data-col="(\w+)">([^<]*)</td>', row)) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return {c["step"]: c["of_invited"] for c in cells if c}


LABEL = {"invited": "邀请", "delivered": "送达", "confirmed": "确认参加", "attended": "到场", "walk_ins": "未邀请到场",
         "referrers": "推荐人", "referrals": "转介绍", "converted": "转介绍成交"}


def test_the_managers_store_filtered_funnel_matches_the_hand_count(shop):
    _, client, _ = shop
    assert sign_in(client, "店长老陈", PASSWORD).headers["Location"] == "/manage/"
    page = client.get("/manage/funnel?store=南京路店")
    assert page.status_code == 200
    assert steps_on_page(page.text) == {LABEL[k]: str(v) for k, v in NANJING.items()} | {"转介绍入金(元)": "–"}
    assert "¥80,000" in page.text and "门店=南京路店" in page.text
    assert '<p class="muted" id="times-in">时间均为北京时间（UTC+08:00）</p>' in page.text and 'lang="zh-CN"' in page.text
    groups = page.text.split('id="groups"')[1]
    assert "到场/确认参加" in page.text and "80.0%" in groups  # attended of confirmed, 4/5
    chart = chart_on_page(page.text)  # the browser's chart: attended of invited, 4/9, as the table's 占邀请 column
    assert dict(zip(chart["labels"], chart["of_invited"]))["到场"] == 44.4 and chart["rate_label"] == "占邀请"
    unfiltered = client.get("/manage/funnel")  # a manager's reports stay within their stores
    assert steps_on_page(unfiltered.text) == steps_on_page(page.text)
    assert client.get("/manage/funnel?store=淮海路店").status_code == 400


def test_an_admin_sees_both_stores_and_downloads_the_funnel_by_store(shop):
    _, client, _ = shop
    sign_in(client, "老板", PASSWORD)
    both = steps_on_page(client.get("/manage/funnel").text)
    assert (both["邀请"], both["到场"], both["未邀请到场"]) == ("11", "5", "5")
    download = client.get("/manage/funnel.csv?by=store")
    assert download.headers["Content-Disposition"] == 'attachment; filename="funnel_all.csv"'
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    by_store = {r[0]: r for r in rows[1:]}
    assert (by_store["南京路店"][1], by_store["淮海路店"][1], by_store["合计"][1]) == ("9", "2", "11")
    assert rows[0][:4] == ["门店", "邀请", "送达", "送达/邀请"]
    one = list(csv.reader(io.StringIO(client.get("/manage/funnel.csv?store=淮海路店&by=event").text.lstrip("\ufeff"))))
    assert [r[1] for r in one[1:]] == ["2", "2"]  # E3, then the total


def test_door_staff_see_no_report_and_managers_no_other_store(shop):
    _, client, _ = shop
    sign_in(client, "门口小王", PASSWORD)
    assert client.get("/manage/funnel").status_code == 403 and client.get("/manage/campaigns").status_code == 403


@pytest.mark.parametrize("query", ["from=2025-13-01", "event=abc", "tier=Z"])
def test_a_bad_filter_is_refused_in_words(shop, query):
    _, client, _ = shop
    sign_in(client, "老板", PASSWORD)
    response = client.get(f"/manage/funnel?{query}")
    assert response.status_code == 400 and "筛选条件" in response.text


def test_every_view_renders_and_downloads(shop):
    _, client, _ = shop
    sign_in(client, "店长老陈", PASSWORD)
    for view in ("referrals", "visits", "followups"):
        page = client.get(f"/manage/{view}?from=2025-05-01&to=2025-06-30")
        assert page.status_code == 200 and "时间段: 2025-05-01 — 2025-06-30" in page.text, view
        download = client.get(f"/manage/{view}.csv?from=2025-05-01&to=2025-06-30")
        assert download.status_code == 200 and download.mimetype == "text/csv", view
    assert client.get("/manage/campaigns").status_code == 200


def test_the_referral_leaderboard_for_one_store(shop):
    """At 南京路店: a1 referred w1 and f2, w1 f7, c1 f3, p2 f5, b2 f4 — a1 leads with 2."""
    _, client, _ = shop
    sign_in(client, "店长老陈", PASSWORD)
    rows = list(csv.reader(io.StringIO(client.get("/manage/referrals.csv").text.lstrip("\ufeff"))))
    assert (rows[1][1], rows[1][3]) == ("王芳", "2") and sum(int(r[3]) for r in rows[1:]) == 6


def test_staff_opt_a_customer_out_from_the_follow_up_list_and_the_trail_names_them(shop):
    seed, client, app = shop
    app.clock.advance(days=-5)  # 05-28 09:00 Shanghai: E3's guests (05-27 14:10) are within their 72 hours
    sign_in(client, "老板", PASSWORD)
    listed = client.get("/manage/followups").text
    assert "朋友f2" in listed and "来宾g1" not in listed  # g1 deposited on 05-27
    done = post_form(client, "/manage/optout", {"customer_id": str(seed.ids["f2"])})
    assert done.status_code == 303
    from records import audit

    with app.engine.connect() as conn:
        entry = audit.entries(conn, customer_id=seed.ids["f2"])[0]
    assert (entry["actor"], entry["action"]) == ("staff:老板", "optout.add")


def test_campaigns_show_their_status_last_run_and_the_send_schedule(app, site):
    """salons: active, planned 12 on 06-01; birthday: sends held; lucky-day: paused (enabled = false), last error."""
    import shutil
    from datetime import date, datetime, timezone
    from pathlib import Path

    from sqlalchemy import insert

    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(repo / "templates", site.parent / "templates")
    lucky = site.parent / "campaigns" / "lucky_day.toml"
    lucky.write_text(lucky.read_text(encoding="utf-8").replace("enabled = true", "enabled = false"), encoding="utf-8")
    at = datetime(2025, 6, 1, 2, 0, tzinfo=timezone.utc)
    with app.engine.begin() as conn:
        conn.execute(insert(models.PlanningRun.__table__).values(campaign_id="salons", day=date(2025, 6, 1), outcome="planned",
                                                                 planned=12, ran_at=at))
        conn.execute(insert(models.CampaignHold.__table__).values(campaign_id="birthday", reason="模板未审核", since=at))
        conn.execute(insert(models.CampaignPlanningError.__table__).values(campaign_id="lucky-day", day=date(2025, 6, 1),
                                                                           error="audience: bad rule", failed_at=at))
        staff.add_staff(conn, "老板", "admin", (), PASSWORD, app.now())
        add_customer(conn, name="甲", tier="A")
    client = flask_app(app).test_client()
    sign_in(client, "老板", PASSWORD)
    schedule = client.get("/manage/campaigns").text.split('id="schedule-totals"')[1]
    assert "2025-06-02 — 2025-06-15" in schedule and "六天沙龙" in schedule.split('id="schedule"')[1]
    rows = re.findall(r"<tr><td><b>[^<]*</b><br><span class=\"muted\">([\w-]+)</span></td>\s*<td[^>]*>([^<]*)</td>\s*<td>([^<]*)",
                      client.get("/manage/campaigns").text)
    shown = {campaign: (status.strip(), run.strip()) for campaign, status, run in rows}
    assert shown["salons"] == ("进行中", "2025-06-01 · 已规划")  # the run's outcome in words, not planned
    assert shown["birthday"] == ("发送暂停（配置错误）: 模板未审核", "—")
    assert shown["lucky-day"][0] == "已暂停"
    assert "2025-06-01: audience: bad rule" in client.get("/manage/campaigns").text
    assert "2025-06-01 10:00" in client.get("/manage/campaigns").text  # the run's time in Shanghai


def schedule_on_page(html: str) -> list[tuple[str, int, int, float]]:
    """The send schedule table as the page shows it: (MM-DD, recipients, texts, cost) per day and campaign."""
    body = html.split('id="schedule"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td class=\"nowrap\">(\d\d-\d\d) [^<]*</td><td>[^<]*</td><td class=\"num\">(\d+)</td>"
                      r"<td class=\"num\">(\d+)</td><td class=\"num\">¥([\d.]+)</td><td", body)
    return [(day, int(recipients), int(texts), float(cost)) for day, recipients, texts, cost in rows]


def test_the_send_schedule_downloads_as_a_workbook_and_csv_with_the_pages_numbers(app, site):
    """The campaigns page's schedule (the repository's campaigns, one A-tier customer, 2025-06-02 — 2025-06-15):
    the workbook states the period and the clock on top and holds the page's rows, number for number."""
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(repo / "templates", site.parent / "templates")
    with app.engine.begin() as conn:
        staff.add_staff(conn, "店长老陈", "manager", ("南京路店",), PASSWORD, app.now())
        for n in range(3):
            add_customer(conn, name=f"客{n}", tier="A")
    client = flask_app(app).test_client()
    sign_in(client, "店长老陈", PASSWORD)
    page = client.get("/manage/campaigns").text
    shown = schedule_on_page(page)
    assert shown and "时间段: 2025-06-02 — 2025-06-15" in page.split('id="stated"')[1]
    assert 'href="/manage/schedule.xlsx"' in page and 'href="/manage/schedule.csv"' in page
    workbook = client.get("/manage/schedule.xlsx")
    assert workbook.headers["Content-Disposition"] == 'attachment; filename="schedule_2025-06-02_2025-06-15.xlsx"'
    (rows,) = sheets(workbook.data).values()
    assert rows[1][0] == "时间段: 2025-06-02 — 2025-06-15" and rows[2][0] == "时间均为北京时间（UTC+08:00）"
    header = rows.index(next(row for row in rows if row[:2] == ["日期", "星期"]))
    cells = [dict(zip(rows[header], row)) for row in rows[header + 1:] if row[0]]
    sent = [(row["日期"][5:], int(row["收件人"]), int(row["短信"]), float(row["费用"])) for row in cells if row["收件人"] != ""]
    assert sent == shown
    assert "本周已达上限" in page.split('id="schedule"')[1]  # a day's texts left out, in the CLI's words for why
    totals = re.search(r"合计: (\d+) 条短信, ¥([\d.]+)", page.split('id="schedule-totals"')[1])
    assert sum(texts for _, _, texts, _ in sent) == int(totals[1])
    text = client.get("/manage/schedule.csv").data.decode("utf-8")
    assert text.startswith("\ufeff日期,星期,")
    listed = [(row["日期"][5:], int(row["收件人"]), int(row["短信"]), float(row["费用"]))
              for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if row["收件人"]]
    assert listed == shown


def test_the_funnel_chart_is_fed_the_steps_tables_own_numbers(shop):
    """Counts and 占邀请 (attended of invited) in the chart's JSON are the steps table's cells, step by step."""
    _, client, _ = shop
    sign_in(client, "店长老陈", PASSWORD)
    page = client.get("/manage/funnel?store=南京路店").text
    chart = chart_on_page(page)
    assert dict(zip(chart["labels"], map(str, chart["counts"]))) == {
        step: count for step, count in steps_on_page(page).items() if count != "–"}
    rates = {label: f"{rate:.1f}%" for label, rate in zip(chart["labels"], chart["of_invited"]) if rate is not None}
    assert rates == {step: cell for step, cell in of_invited_on_page(page).items() if cell != "–"}
    assert rates["到场"] == "44.4%" and rates["确认参加"] == "55.6%"  # 4/9 and 5/9: of invited, never of confirmed
    assert '<canvas id="funnel-canvas"' in page and "/manage/static/vendor/chart.umd.js" in page
    assert client.get("/manage/static/vendor/chart.umd.js").data.startswith(b"/*!\n * Chart.js v4.")


def sheets(data: bytes) -> dict[str, list[list]]:
    """Every sheet of a downloaded workbook, as python-calamine reads it."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_every_report_downloads_as_a_workbook_stating_its_filters(shop):
    _, client, _ = shop
    sign_in(client, "店长老陈", PASSWORD)
    funnel = client.get("/manage/funnel.xlsx?store=南京路店&by=store&from=2025-05-01&to=2025-06-30")
    assert funnel.headers["Content-Disposition"] == 'attachment; filename="funnel_2025-05-01_2025-06-30.xlsx"'
    book = sheets(funnel.data)
    steps, groups = book["活动漏斗"], book["活动漏斗 · 门店"]
    assert steps[1][0] == "时间段: 2025-05-01 — 2025-06-30" and "门店=南京路店" in steps[2][0]
    counts = {row[0]: row[1] for row in steps[6:]}
    assert (counts["邀请"], counts["到场"], counts["转介绍成交"]) == (9, 4, 3)
    nanjing = dict(zip(groups[5], groups[6]))  # title, period, filters, time zone, a blank row, the header
    assert nanjing["门店"] == "南京路店" and nanjing["邀请"] == 9 and nanjing["到场/确认参加"] == 0.8
    assert nanjing["转介绍入金(元)"] == 80000
    for report, sheet in (("referrals", "转介绍报告"), ("visits", "成交前到访次数"), ("followups", "黄金72小时回访名单")):
        download = client.get(f"/manage/{report}.xlsx")
        assert download.status_code == 200 and sheet in sheets(download.data), report
    leaders = sheets(client.get("/manage/referrals.xlsx").data)["转介绍报告"]
    assert sum(row[3] for row in leaders[6:]) == 6  # the six referrals at 南京路店, as numbers


def test_grouped_by_salon_an_event_without_a_slogan_shows_its_kind_in_words(shop):
    _, client, _ = shop
    sign_in(client, "老板", PASSWORD)
    groups = client.get("/manage/funnel?by=salon").text.split('id="groups"')[1].split("</table>")[0]
    keys = re.findall(r'data-col="key">([^<]+)<', groups)
    assert "幸运庆生宴" in keys and not any(re.fullmatch(r"[a-z]+", key) for key in keys), keys


@pytest.mark.parametrize(("language", "zone", "said", "lang"), [
    ("en", "Asia/Shanghai", "Times are in Asia/Shanghai (UTC+08:00)", "en"),
    ("zh", "Asia/Singapore", "时间均为新加坡时间（UTC+08:00）", "zh-CN"),
    ("zh", "Asia/Kolkata", "时间均为当地时间（UTC+05:30）", "zh-CN"),
])
def test_every_page_says_the_shops_clock_in_the_sites_language(site, clock, language, zone, said, lang):
    from app import App
    from settings import load_settings

    config = site.read_text(encoding="utf-8").replace("[site]\n", f'[site]\nlanguage = "{language}"\ntimezone = "{zone}"\n', 1)
    site.write_text(config, encoding="utf-8")
    app = App(load_settings(site), clock=clock)
    with app.engine.begin() as conn:
        staff.add_staff(conn, "老板", "admin", (), PASSWORD, app.now())
    client = flask_app(app).test_client()
    sign_in(client, "老板", PASSWORD)
    for path in ("/manage/funnel", "/manage/followups", "/manage/customers", "/manage/unlinked", "/manage/staff"):
        page = client.get(path).text
        assert f'<p class="muted" id="times-in">{said}</p>' in page and f'<html lang="{lang}">' in page, path
    (visits,) = sheets(client.get("/manage/visits.xlsx").data).values()
    assert visits[3][0] == said  # the workbook's title, period, filters, then the clock
