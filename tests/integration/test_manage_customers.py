"""Customers on the manager's screen, referrals waiting to be linked, and the staff list.

The shop: at 南京路店 李娜 (139 1111 0001) and 王芳 (139 1111 0002, referral code WF2025); at 淮海路店 张伟
(139 2222 0003). Today 南京路店 holds a salon. A manager of 南京路店 (店长老陈), an admin (老板) and a door person of
南京路店 (门口小王).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from records import audit, models, staff
from tests.events_seed import add_salon
from tests.factories import add_customer
from tests.integration.checkin_site import flask_app, post_form, sign_in

PASSWORD = "manager-secret-1"


@pytest.fixture
def shop(app):
    with app.engine.begin() as conn:
        ids = {"li": add_customer(conn, "+8613911110001", "李娜", tier="B"),
               "wang": add_customer(conn, "+8613911110002", "王芳", referral_code="WF2025"),
               "zhang": add_customer(conn, "+8613922220003", "张伟", store="淮海路店", tier="A"),
               "E1": add_salon(conn, app.today(), title="周一沙龙", store="南京路店")}
        staff.add_staff(conn, "店长老陈", "manager", ("南京路店",), PASSWORD, app.now())
        staff.add_staff(conn, "老板", "admin", (), PASSWORD, app.now())
        staff.add_staff(conn, "门口小王", "door", ("南京路店",), PASSWORD, app.now())
    return ids, app


def client_of(app, name: str):
    client = flask_app(app).test_client()
    sign_in(client, name, PASSWORD)
    return client


def names_listed(html: str) -> list[str]:
    return re.findall(r'<td data-col="name"><a href="/manage/customers/\d+">([^<]+)</a>', html)


def test_a_manager_sees_only_their_stores_customers_with_phones_masked(shop):
    ids, app = shop
    manager = client_of(app, "店长老陈")
    page = manager.get("/manage/customers")
    assert page.status_code == 200 and names_listed(page.text) == ["李娜", "王芳"]
    assert "139****0001" in page.text and "13911110001" not in page.text
    assert names_listed(manager.get("/manage/customers?q=0002").text) == ["王芳"]  # a phone fragment
    assert names_listed(manager.get("/manage/customers?q=wf2025").text) == ["王芳"]  # a referral code
    assert names_listed(manager.get("/manage/customers?tier=B").text) == ["李娜"]
    assert names_listed(manager.get("/manage/customers?q=张伟").text) == []
    assert manager.get("/manage/customers?store=淮海路店").status_code == 400
    assert manager.get(f"/manage/customers/{ids['zhang']}").status_code == 403
    admin = client_of(app, "老板")
    assert names_listed(admin.get("/manage/customers").text) == ["李娜", "王芳", "张伟"]


def test_the_customer_page_shows_the_whole_phone_points_and_owed_rewards(shop):
    ids, app = shop
    with app.engine.begin() as conn:
        from records import points

        from records.loyalty_config import LoyaltySettings
        points.adjust(conn, ids["li"], 25, "开业礼", LoyaltySettings(), app.today(), app.now(), "os:test")
    page = client_of(app, "店长老陈").get(f"/manage/customers/{ids['li']}").text
    assert re.search(r'id="customer-phone">\+8613911110001<', page) and re.search(r'id="balance">25<', page)
    assert re.search(r'id="customer-tier">B<', page)


def test_door_staff_get_403_on_customers(shop):
    ids, app = shop
    door = client_of(app, "门口小王")
    assert door.get("/manage/customers").status_code == 403
    assert door.get(f"/manage/customers/{ids['li']}").status_code == 403
    assert door.get("/manage/customers.csv").status_code == 403


def test_the_customer_list_downloads_masked(shop):
    _, app = shop
    download = client_of(app, "店长老陈").get("/manage/customers.csv")
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "姓名", "手机"] and [r[1] for r in rows[1:]] == ["李娜", "王芳"]
    assert rows[1][2] == "139****0001"


def walk_in_with_unknown_referrer(app, ids) -> int:
    """王芳 checks in at today's salon; 门口小王 registers the friend she brought, 周敏, who names her referrer in words
    nobody's record matches ("王芳 139"); returns 周敏's id."""
    door = client_of(app, "门口小王")
    post_form(door, "/checkin/", {"who": "13911110002"})
    post_form(door, "/checkin/", {"walk_in": "1", "phone": "13900001234", "name": "周敏", "referrer": "王芳 139"})
    with app.engine.connect() as conn:
        return conn.execute(select(models.Customer.id).where(models.Customer.name == "周敏")).scalar_one()


def note_id(app) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(models.UnlinkedReferral.id)).scalar_one()


def test_a_manager_links_a_walk_ins_unknown_referrer_and_the_referral_counts(shop):
    ids, app = shop
    guest = walk_in_with_unknown_referrer(app, ids)
    manager = client_of(app, "店长老陈")
    listed = manager.get("/manage/unlinked").text
    assert "周敏" in listed and "王芳 139" in listed
    found = manager.get(f"/manage/unlinked?pick={note_id(app)}&q=139 1111 0002").text.split('id="candidates"')[1]
    assert "王芳" in found and "李娜" not in found
    linked = post_form(manager, "/manage/unlinked/link", {"unlinked_id": str(note_id(app)), "referrer_id": str(ids["wang"])})
    assert linked.status_code == 303
    with app.engine.connect() as conn:
        referral = conn.execute(select(models.Referral.referrer_id, models.Referral.referee_id, models.Referral.source,
                                       models.Referral.event_id)).one()
        entry = audit.entries(conn, customer_id=guest)[0]
    assert tuple(referral) == (ids["wang"], guest, "staff", ids["E1"])  # attributed to the salon 王芳 attended
    assert (entry["actor"], entry["action"]) == ("staff:店长老陈", "referral.link")
    assert "周敏" not in manager.get("/manage/unlinked").text.split('id="unlinked"')[1]
    assert "周敏" in names_listed(manager.get("/manage/customers").text)  # a walk-in belongs to the event's store
    viral = manager.get("/manage/referrals").text.split('id="viral"')[1].split("</table>")[0]
    assert re.findall(r'data-col="key">([^<]+)<', viral) == ["沙龙", "合计"]  # a salon without slogan, in words
    leaders = list(csv.reader(io.StringIO(manager.get("/manage/referrals.csv").data.decode("utf-8-sig"))))
    assert [(r[1], r[3]) for r in leaders[1:]] == [("王芳", "1")]


def test_a_manager_dismisses_a_note_nobody_can_link_and_the_trail_keeps_what_was_typed(shop):
    ids, app = shop
    guest = walk_in_with_unknown_referrer(app, ids)
    other_store = client_of(app, "老板")
    with app.engine.begin() as conn:
        staff.add_staff(conn, "淮海店长", "manager", ("淮海路店",), PASSWORD, app.now())
    assert post_form(client_of(app, "淮海店长"), "/manage/unlinked/dismiss", {"unlinked_id": str(note_id(app))}).status_code == 403
    assert "周敏" in other_store.get("/manage/unlinked").text
    done = post_form(client_of(app, "店长老陈"), "/manage/unlinked/dismiss", {"unlinked_id": str(note_id(app))})
    assert done.status_code == 303
    with app.engine.connect() as conn:
        left = conn.execute(select(models.UnlinkedReferral.id)).all()
        entry = audit.entries(conn, customer_id=guest)[0]
    assert left == [] and (entry["actor"], entry["action"]) == ("staff:店长老陈", "referral.dismiss")
    assert "王芳 139" in entry["detail"]


def test_admins_see_the_staff_list_and_managers_do_not(shop):
    _, app = shop
    listed = client_of(app, "老板").get("/manage/staff")
    assert listed.status_code == 200 and "门口小王" in listed.text and "门口签到" in listed.text
    assert client_of(app, "店长老陈").get("/manage/staff").status_code == 403
