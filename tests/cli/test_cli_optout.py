"""Opt-outs by staff: honoured at once, like a 退订 reply, and recorded with their source."""

from __future__ import annotations

from sqlalchemy import select

from records import models
from settings import load_settings


def test_staff_opt_out_and_back_in(cli, site, make_csv):
    cli("import", "customers", str(make_csv("c.csv", "phone,name\n13800000001,王芳\n")))
    result = cli("optout", "add", "138 0000 0001", "--reason", "电话里说不要再发")
    assert result.exit_code == 0 and "已退订" in result.output and "138****0001" in result.output
    from sqlalchemy import create_engine

    engine = create_engine(load_settings(site).database_url)
    with engine.connect() as conn:
        assert conn.execute(select(models.Customer.opted_out)).scalar() is True
        events = conn.execute(select(models.OptOutEvent.action, models.OptOutEvent.source, models.OptOutEvent.detail)).all()
    assert [tuple(e) for e in events] == [("out", "staff", "电话里说不要再发")]
    assert cli("optout", "remove", "13800000001").exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(select(models.Customer.opted_out)).scalar() is False
    missing = cli("optout", "add", "ABCDEFG")
    assert missing.exit_code == 1 and "找不到客户" in missing.output


def test_staff_opt_out_of_a_number_that_is_not_a_customer_yet_applies_when_it_is_imported(cli, site, make_csv):
    result = cli("optout", "add", "139 9999 9999", "--reason", "来电要求")
    assert result.exit_code == 0, result.output
    assert "139****9999（尚不是客户）：已退订" in result.output
    from sqlalchemy import create_engine

    engine = create_engine(load_settings(site).database_url)
    with engine.connect() as conn:
        events = conn.execute(select(models.OptOutEvent.phone, models.OptOutEvent.customer_id, models.OptOutEvent.action)).all()
        trail = conn.execute(select(models.AuditEntry.action, models.AuditEntry.subject)).all()
    assert [tuple(e) for e in events] == [("+8613999999999", None, "out")]
    assert [tuple(t) for t in trail] == [("optout.add", "phone")]
    cli("import", "customers", str(make_csv("c.csv", "phone,name\n13999999999,赵敏\n")))
    with engine.connect() as conn:
        assert conn.execute(select(models.Customer.opted_out)).scalar() is True
