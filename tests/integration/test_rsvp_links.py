"""RSVP and opt-out links: tokens made at planning only where a template reads them, pages on the real server
(waitress), a GET that changes nothing but the click count, buttons that answer like a reply (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app import App
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day
from records import models
from reports.filters import ReportFilter
from reports.funnel import funnel
from tests.factories import add_customer
from tests.integration.web_server import swappable
from web.app import create_app
from web.rsvp import links_blueprint

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PLANNED_AT = datetime(2025, 6, 2, 0, 0, tzinfo=timezone.utc)  # Monday: Thursday's salon is invited
PUBLIC = "https://jinli.example.cn"
RSVP_TEMPLATE = "{{ customer.name }}您好！{{ occurrence.event_date | md }}「{{ occurrence.slogan }}」沙龙，点此回复：{{ rsvp_url }}\n"
links_t, invitations_t, outbox_t = models.LinkToken.__table__, models.Invitation.__table__, models.OutboxMessage.__table__


@pytest.fixture
def site_app(app, site) -> App:
    """The app with the shipped campaigns, the salon invitation reading {{ rsvp_url }}, and a public URL."""
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    settings = dataclasses.replace(app.settings, site=dataclasses.replace(app.settings.site, public_base_url=PUBLIC))
    return App(settings, clock=app.clock)


def plan_salons(app: App) -> None:
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    assert problems == []
    with app.engine.begin() as conn:
        plan_day(conn, Planner.from_settings(app.settings), [c for c in campaigns if c.id == "salons"], date(2025, 6, 2),
                 PLANNED_AT)


def invited_guests(app: App, n: int = 2) -> list[int]:
    with app.engine.begin() as conn:
        return [add_customer(conn, name=name, tier="A") for name in ["王芳", "李娜", "张伟"][:n]]


def rows(app: App, table) -> list[dict]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def test_planning_makes_a_token_only_where_the_template_reads_the_link(site_app):
    invited_guests(site_app)
    plan_salons(site_app)
    assert rows(site_app, links_t) == []  # the shipped invitation has no link

    (site_app.settings.templates_path / "salon_invitation.j2").write_text(RSVP_TEMPLATE, encoding="utf-8")
    with site_app.engine.begin() as conn:  # plan Thursday's salon again, from scratch
        for table in (outbox_t, invitations_t):
            conn.execute(table.delete())
    plan_salons(site_app)

    tokens = rows(site_app, links_t)
    invitations = {r["id"]: r for r in rows(site_app, invitations_t)}
    assert len(tokens) == 2 and {t["invitation_id"] for t in tokens} == set(invitations)
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9]{10}", token["token"]) and token["kind"] == "rsvp"
        assert token["token"] != invitations[token["invitation_id"]]["code"] and token["opens"] == 0
    bodies = [r["body"] for r in rows(site_app, outbox_t)]
    assert sorted(re.search(r"https://jinli\.example\.cn/r/([A-Za-z0-9]+)", b).group(1) for b in bodies) == sorted(
        t["token"] for t in tokens)


@pytest.fixture(scope="module")
def server():
    with swappable("test-links") as served:
        yield served


@pytest.fixture
def page(server, site_app):
    """Thursday's salon planned with RSVP links, served; yields (base URL, {customer id: token})."""
    (site_app.settings.templates_path / "salon_invitation.j2").write_text(RSVP_TEMPLATE, encoding="utf-8")
    invited_guests(site_app)
    plan_salons(site_app)
    current, base = server
    current[0] = create_app(site_app, [links_blueprint])
    yield base, {t["customer_id"]: t["token"] for t in rows(site_app, links_t)}
    current[0] = None


def invitation_states(app: App) -> dict[int, str]:
    return {r["customer_id"]: r["state"] for r in rows(app, invitations_t)}


def confirmed_in_funnel(app: App) -> int:
    with app.engine.connect() as conn:
        return funnel(conn, ReportFilter(), None, app.settings.tz).total.confirmed


def test_opening_an_rsvp_link_with_a_plain_get_confirms_nothing(site_app, page):
    base, tokens = page
    wang = min(tokens)
    for _ in range(2):  # a link scanner, then the customer
        answer = requests.get(f"{base}/r/{tokens[wang]}", timeout=10)
        assert answer.status_code == 200 and "参加" in answer.text and "「" in answer.text
    assert requests.head(f"{base}/r/{tokens[wang]}", timeout=10).status_code == 200
    [link] = [t for t in rows(site_app, links_t) if t["customer_id"] == wang]
    assert (link["opens"], link["first_opened_at"], link["answered_at"]) == (3, site_app.now(), None)
    assert set(invitation_states(site_app).values()) == {"invited"} and confirmed_in_funnel(site_app) == 0
    assert requests.get(f"{base}/r/NOTATOKEN00", timeout=10).status_code == 404


def test_the_buttons_answer_like_a_reply_and_count_in_the_funnel(site_app, page):
    base, tokens = page
    wang, li = sorted(tokens)
    browser = requests.Session()
    form_token = re.search(r'name="form_token" value="([^"]+)"', browser.get(f"{base}/r/{tokens[wang]}", timeout=10).text).group(1)

    forged = requests.post(f"{base}/r/{tokens[wang]}", data={"answer": "confirm"}, timeout=10)  # no form token
    assert forged.status_code == 403 and invitation_states(site_app)[wang] == "invited"
    answer = browser.post(f"{base}/r/{tokens[wang]}", data={"answer": "confirm", "form_token": form_token}, timeout=10)
    assert answer.status_code == 200 and "您已确认参加" in answer.text
    assert invitation_states(site_app) == {wang: "confirmed", li: "invited"}
    assert confirmed_in_funnel(site_app) == 1
    browser.post(f"{base}/r/{tokens[wang]}", data={"answer": "decline", "form_token": form_token}, timeout=10)
    assert invitation_states(site_app)[wang] == "declined" and confirmed_in_funnel(site_app) == 0


def test_the_optout_link_opts_out_only_when_its_button_is_pressed(site_app, server):
    (site_app.settings.templates_path / "salon_invitation.j2").write_text(
        RSVP_TEMPLATE.replace("{{ rsvp_url }}", "{{ rsvp_url }} 退订 {{ optout_url }}"), encoding="utf-8")
    [wang] = invited_guests(site_app, 1)
    plan_salons(site_app)
    current, base = server
    current[0] = create_app(site_app, [links_blueprint])
    token = next(t["token"] for t in rows(site_app, links_t) if t["kind"] == "optout")
    browser = requests.Session()
    form_token = re.search(r'name="form_token" value="([^"]+)"', browser.get(f"{base}/u/{token}", timeout=10).text).group(1)
    customers = models.Customer.__table__
    assert rows(site_app, customers)[0]["opted_out"] is False
    answer = browser.post(f"{base}/u/{token}", data={"answer": "optout", "form_token": form_token}, timeout=10)
    assert answer.status_code == 200 and "已退订" in answer.text
    assert rows(site_app, customers)[0]["opted_out"] is True
    assert [(e["source"], e["customer_id"]) for e in rows(site_app, models.OptOutEvent.__table__)] == [("link", wang)]
    current[0] = None
