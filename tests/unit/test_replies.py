"""What a reply means: opt-out and opt-in keywords in any case, width, spacing and punctuation."""

import pytest

from messaging.replies import classify_reply


@pytest.mark.parametrize("text, intent", [
    ("T", "opt_out"),
    ("td", "opt_out"),
    (" 退订 ", "opt_out"),
    ("STOP!", "opt_out"),
    ("ＴＤ", "opt_out"),  # full-width letters
    ("退订。", "opt_out"),  # full-width full stop
    ("【退订】", "opt_out"),
    ("Unsubscribe", "opt_out"),
    ("\tstop\n", "opt_out"),
    ("start", "opt_in"),
    ("订阅", "opt_in"),
    ("1", "confirm"),
    ("１", "confirm"),  # full-width digit
    ("参加", "confirm"),
    ("2", "decline"),
    ("不参加", "decline"),
    ("hello", "other"),
    ("", "other"),
    ("TT", "other"),
    ("stop sending me texts", "other"),  # only the keyword alone counts
    ("12", "other"),
    ("不要退订", "other"),
], ids=lambda v: repr(v) if isinstance(v, str) else None)
def test_classify_reply(text, intent):
    assert classify_reply(text) == intent
