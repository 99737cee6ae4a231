"""Phone numbers (the phonenumbers seam) and settings loading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from errors import ConfigError, InvalidValue
from domain.phone import mask, mask_in_text, parse_mobile
from settings import load_settings, settings_from_dict


@pytest.mark.parametrize("text, e164", [
    ("13812348000", "+8613812348000"), ("+86 138 1234 8000", "+8613812348000"), ("138-1234-8000", "+8613812348000"),
    ("008613812348000", "+8613812348000"), ("+1 415 555 2671", "+14155552671"),
])
def test_mobiles_are_stored_in_e164(text, e164):
    assert parse_mobile(text) == e164


@pytest.mark.parametrize("text, reason", [
    ("010-12345678", "not a mobile"), ("02112345678", "not a mobile"), ("12345", "not a valid"),
    ("abc", "not a phone"), ("", "empty"), ("1381234800", "not a valid"),
])
def test_landlines_and_invalid_numbers_are_refused_with_the_value(text, reason):
    with pytest.raises(InvalidValue, match=reason):
        parse_mobile(text)


def test_masking_for_logs():
    assert mask("+8613812348000") == "138****8000"
    assert mask_in_text("sent to +8613812348000; reply from 13912345678") == "sent to 138****8000; reply from 139****5678"


def test_the_packaged_config_loads_with_playbook_defaults():
    settings = load_settings(Path(__file__).resolve().parents[2] / "config.toml")
    assert settings.site.timezone == "Asia/Shanghai" and settings.site.phone_region == "CN"
    assert settings.tiers.deposit == ((100000, 3), (50000, 2), (10000, 1))
    assert settings.tiers.a_min_score == 15 and settings.tiers.b_min_score == 9
    assert settings.sms.signature.startswith("【")
    assert settings.sms.reconcile_after_minutes == 10
    assert (settings.daemon.recompute_at, settings.daemon.import_check_minutes, settings.daemon.trigger_scan_minutes) \
        == ("03:00", 5, 2)
    assert settings.sms.claim_size == 200 and settings_from_dict({"sms": {"claim_size": 20}}, base_dir=Path(".")).sms.claim_size == 20


def test_relative_sqlite_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    settings = settings_from_dict({"database": {"url": "sqlite:///var/x.db"}}, base_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'x.db'}"
    monkeypatch.setenv("JINLI_DATABASE_URL", "postgresql+psycopg://u:secret@127.0.0.1/jinli")
    assert settings.database_url == "postgresql+psycopg://u:secret@127.0.0.1/jinli"


@pytest.mark.parametrize("raw, message", [
    ({"tiers": {"deposit": [[100000]]}}, "expected 2 values"),
    ({"tiers": {"deposit": "lots"}}, "expected a list"),
    ({"sms": {"gateway": "pigeon"}}, "console, file, twilio, aliyun or tencent"),
    ({"sms": {"routes": {"China": "aliyun"}}}, r"\[sms\] routes: 'China' is not a country code"),
    ({"sms": {"routes": {"CN": "pigeon"}}}, r"\[sms\] routes CN: expected console, file, twilio, aliyun or tencent"),
    ({"aliyun": {"sign_name": 3}}, r"\[aliyun\] sign_name: expected str"),
    ({"tencent": {"sdk_id": "1400006666"}}, r"\[tencent\]: unknown key 'sdk_id'"),
    ({"sms": {"quiet_hours": ["25:00", "08:00"]}}, "HH:MM"),
    ({"sms": {"notices_ignore_quiet_hours": "yes"}}, "true or false"),
    ({"sms": {"claim_size": 0}}, r"\[sms\] claim_size: expected a positive number"),
    ({"sms": {"claim_size": 50.5}}, "claim_size: expected int"),
    ({"sms": {"claim_sise": 50}}, "unknown key 'claim_sise'"),
    ({"sms": {"reconcile_after_minutes": 0}}, r"\[sms\] reconcile_after_minutes: expected a positive number of minutes"),
    ({"sms": {"reconcile_after_minutes": 2.5}}, "reconcile_after_minutes: expected int"),
    ({"daemon": {"recompute_at": "3 am"}}, r"\[daemon\] recompute_at: expected a HH:MM time, got '3 am'"),
    ({"daemon": {"trigger_scan_minutes": 0}}, r"\[daemon\] trigger_scan_minutes: expected 1 to 1440 minutes, got 0"),
    ({"daemon": {"import_check_minutes": 5000}}, r"\[daemon\] import_check_minutes: expected 1 to 1440 minutes"),
    ({"daemon": {"scan_every": 2}}, r"\[daemon\]: unknown key 'scan_every'"),
])
def test_bad_settings_name_the_key(raw, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_dict(raw, base_dir=Path("."))


def _phonenumbers_only(text: str) -> str | None:
    """What parse_mobile answered before the fast path: phonenumbers' parse, validity and type."""
    import phonenumbers

    from domain.phone import _MOBILE_TYPES

    try:
        number = phonenumbers.parse(text.strip(), "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_CN_LIKE = st.builds(
    lambda prefix, digits, seps, lead: lead + "".join(d + s for d, s in zip(prefix + digits, seps)),
    st.sampled_from(["1", "10", "11", "12", "13", "14", "145", "146", "15", "16", "165", "17", "170", "174", "179", "18",
                     "19", "199", "0", "01", "02", "4", "8", "86"]),
    st.text(alphabet="0123456789", min_size=6, max_size=12),
    st.lists(st.sampled_from(["", "", "", " ", "-"]), min_size=16, max_size=16),
    st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "+", "+1"]),
)


@hypothesis_settings(max_examples=3000, deadline=None)
@given(_CN_LIKE)
def test_the_fast_path_answers_as_phonenumbers_does_for_chinese_numbers(text):
    from domain.phone import _fast_mobile, try_parse_mobile

    expected = _phonenumbers_only(text)
    fast = _fast_mobile(text.strip(), "CN")
    assert fast is None or fast == expected
    assert try_parse_mobile(text) == expected


def test_the_fast_path_takes_plain_mobiles_and_leaves_the_rest_to_phonenumbers():
    from domain.phone import _fast_mobile

    assert [_fast_mobile(t, "CN") for t in ("13812348000", "+86 138-1234-8000", "008613812348000")] == ["+8613812348000"] * 3
    assert [_fast_mobile(t, "CN") for t in ("１３８１２３４８０００", "(138)12348000", "8613812348000", "02112345678")] == [None] * 4
