"""The one module that knows phonenumbers: parse to E.164, tell mobiles from landlines, mask for logs."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

from errors import InvalidValue

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_E164 = re.compile(r"\+\d{6,15}")
# Types number_type() tries before mobile: a number matching one of them is not a mobile.
_OTHER_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")
_SEPARATORS = re.compile(r"[ -]")


@lru_cache(maxsize=None)
def _fast_path(region: str):
    """(international prefixes, a full-match of a valid mobile national number) from phonenumbers' own
    metadata, or None for a region without one: plain input skips the general parser (a fifth of an
    import's time)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.mobile is None or not meta.mobile.national_number_pattern:
        return None
    others = [d.national_number_pattern for d in (getattr(meta, t) for t in _OTHER_TYPES)
              if d is not None and d.national_number_pattern]
    mobile = f"(?=(?:{meta.general_desc.national_number_pattern})\\Z)(?:{meta.mobile.national_number_pattern})\\Z"
    other = re.compile("(?:" + "|".join(f"(?:{p})" for p in others) + ")\\Z") if others else None
    code = str(meta.country_code)
    return (f"+{code}", f"00{code}"), re.compile(mobile), other


def _fast_mobile(raw: str, region: str) -> str | None:
    """The E.164 form of a plain mobile number (digits, spaces, hyphens, an optional +86 / 0086), else None."""
    fast = _fast_path(region) if region == "CN" else None  # checked against phonenumbers for CN (tests)
    if fast is None:
        return None
    prefixes, mobile, others = fast
    digits = _SEPARATORS.sub("", raw)
    for prefix in prefixes:
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    if not digits.isascii() or mobile.match(digits) is None or (others is not None and others.match(digits)):
        return None
    return prefixes[0] + digits


def parse_mobile(text: str, region: str = "CN") -> str:
    """The E.164 form of a mobile number; a landline, an invalid or unparsable number is InvalidValue."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidValue("phone is empty", key="reject_phone_empty")
    if (fast := _fast_mobile(raw, region)) is not None:
        return fast
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue(f"phone {raw!r} is not a phone number", key="reject_phone_not_number", raw=raw) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"phone {raw!r} is not a valid number", key="reject_phone_invalid", raw=raw)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidValue(f"phone {raw!r} is not a mobile number (landline?)", key="reject_phone_landline", raw=raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_parse_mobile(text: str, region: str = "CN") -> str | None:
    """Like parse_mobile, but None for anything that is not a valid mobile number."""
    try:
        return parse_mobile(text, region)
    except InvalidValue:
        return None


def mask(phone: str) -> str:
    """A phone for logs and staff screens: +8613812348000 -> 138****8000."""
    digits = re.sub(r"\D", "", phone or "")
    if phone.startswith("+86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_in_text(text: str) -> str:
    """Mask every E.164 number and every 11-digit Chinese mobile found in a log line."""
    text = _E164.sub(lambda m: mask(m.group(0)), text)
    return re.sub(r"(?<!\d)1[3-9]\d{9}(?!\d)", lambda m: mask(m.group(0)), text)


def region_of(phone: str) -> str:
    """The ISO country of an E.164 number ('CN', 'US', ...), or '' when it names none."""
    try:
        number = phonenumbers.parse(phone or "", None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(number) or ""


def national_digits(phone: str) -> str:
    """The national number of an E.164 number, digits only: +8613812348000 -> 13812348000."""
    try:
        return str(phonenumbers.parse(phone or "", None).national_number)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", phone or "")
