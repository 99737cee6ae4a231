"""The CLI's catalogue: every key in both languages (tests/cli/test_cli_language.py checks it)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "error": "错误",
        "bad_date": "{option} {value!r} 不是日期；可用：{forms}",
    },
    "en": {
        "error": "error",
        "bad_date": "{option} {value!r} is not a day; expected one of: {forms}",
    },
}
