"""The CLI's catalogue: every key in both languages (tests/cli/test_cli_language.py checks it)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "error": "错误",
        "bad_date": "{option} {value!r} 不是日期；可用：{forms}",
        "importing_customers": "导入客户", "importing_holdings": "导入持仓", "importing_movements": "导入资金变动",
        "sending": "发送短信",
    },
    "en": {
        "error": "error",
        "bad_date": "{option} {value!r} is not a day; expected one of: {forms}",
        "importing_customers": "importing customers", "importing_holdings": "importing holdings",
        "importing_movements": "importing movements", "sending": "sending",
    },
}
