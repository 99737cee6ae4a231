import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.segments import (
    GSM7,
    GSM7_BASIC,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION,
    UCS2,
    Segments,
    count_segments,
)

EMOJI = "😀"  # U+1F600: a surrogate pair in UTF-16

CASES = [
    ("", Segments(GSM7, 0, 1), "empty is one segment"),
    ("a" * 160, Segments(GSM7, 160, 1), "gsm 160 fits one"),
    ("a" * 161, Segments(GSM7, 161, 2), "gsm 161 splits"),
    ("a" * 306, Segments(GSM7, 306, 2), "gsm 2x153"),
    ("a" * 307, Segments(GSM7, 307, 3), "gsm 307 needs three"),
    ("a" * 158 + "€", Segments(GSM7, 160, 1), "extension char ends at 160"),
    ("a" * 159 + "€", Segments(GSM7, 161, 2), "extension char crosses 160"),
    ("a" * 159 + "\f", Segments(GSM7, 161, 2), "form feed is an extension char"),
    ("a" * 152 + "€" + "a" * 151, Segments(GSM7, 305, 2), "escape pair moves whole to part 2"),
    ("a" * 152 + "€" + "a" * 152, Segments(GSM7, 306, 3), "moved escape pair costs a part"),
    ("^{}\\[~]|€", Segments(GSM7, 18, 1), "every extension char is two septets"),
    ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", Segments(GSM7, 42, 1), "basic specials are one septet"),
    ("ç", Segments(UCS2, 1, 1), "lower-case c-cedilla is not GSM"),
    ("a\tb", Segments(UCS2, 3, 1), "tab is not GSM"),
    ("中" * 70, Segments(UCS2, 70, 1), "ucs2 70 fits one"),
    ("中" * 71, Segments(UCS2, 71, 2), "ucs2 71 splits"),
    ("中" * 134, Segments(UCS2, 134, 2), "ucs2 2x67"),
    ("中" * 135, Segments(UCS2, 135, 3), "ucs2 135 needs three"),
    ("a" * 160 + "中", Segments(UCS2, 161, 3), "one chinese char makes it all ucs2"),
    ("€中", Segments(UCS2, 2, 1), "extension char is one unit in ucs2"),
    ("中" * 68 + EMOJI, Segments(UCS2, 70, 1), "emoji is two units"),
    ("中" * 69 + EMOJI, Segments(UCS2, 71, 2), "emoji crosses 70"),
    ("中" * 66 + EMOJI + "中" * 65, Segments(UCS2, 133, 2), "surrogate pair moves whole"),
    ("中" * 66 + EMOJI + "中" * 66, Segments(UCS2, 134, 3), "moved surrogate pair costs a part"),
    ("【金福金行】张女士您好,回T退订", Segments(UCS2, 16, 1), "typical chinese sms"),
]


@pytest.mark.parametrize("text, expected", [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_count_segments(text, expected):
    assert count_segments(text) == expected


def test_gsm_tables_are_complete():
    assert len(GSM7_BASIC_TABLE) == 128
    assert (GSM7_BASIC_TABLE[0x00], GSM7_BASIC_TABLE[0x1B], GSM7_BASIC_TABLE[0x40]) == ("@", "\x1b", "¡")
    assert (GSM7_BASIC_TABLE[0x24], GSM7_BASIC_TABLE[0x60], GSM7_BASIC_TABLE[0x7F]) == ("¤", "¿", "à")
    assert len(GSM7_BASIC) == 127
    assert GSM7_EXTENSION == set("\f^{}\\[~]|€")
    assert not GSM7_BASIC & GSM7_EXTENSION


GSM_CHARS = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION))
ANY_CHARS = st.one_of(GSM_CHARS, st.sampled_from("中文金福😀🎂"), st.characters(exclude_categories=("Cs",)))
BMP_CHARS = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))


@given(st.text(ANY_CHARS, max_size=400), st.text(ANY_CHARS, min_size=1, max_size=40))
def test_count_is_monotone_in_appended_characters(text, suffix):
    assert count_segments(text + suffix).count >= count_segments(text).count


@given(st.text(BMP_CHARS, min_size=70, max_size=500))
def test_bmp_ucs2_count_is_ceil_units_over_67(text):
    segments = count_segments("中" + text)
    assert segments.encoding == UCS2 and segments.units > 70
    assert segments.count == math.ceil(segments.units / 67)


@given(st.text(ANY_CHARS, max_size=500))
def test_ucs2_units_are_utf16_code_units_and_parts_hold_66_or_more(text):
    segments = count_segments("中" + text)
    assert segments.units == len(("中" + text).encode("utf-16-le")) // 2
    if segments.units > 70:
        assert math.ceil(segments.units / 67) <= segments.count <= math.ceil(segments.units / 66)


@given(st.text(st.sampled_from(sorted(GSM7_BASIC)), min_size=161, max_size=800))
def test_plain_gsm_count_is_ceil_septets_over_153(text):
    assert count_segments(text) == Segments(GSM7, len(text), math.ceil(len(text) / 153))
