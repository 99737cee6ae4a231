"""A label means one thing everywhere: across the chart, the tables, the pages and the files, one ratio has one
name per language, and one name never denotes two ratios.

Each ratio-bearing label of the catalogues (reports/labels.py, web/labels/*.toml) is listed below with the ratio it
shows (numerator, denominator), read off the code that computes it; the funnel's grouped-table rates are generated
by reports.funnel_output.rate_label from reports.funnel.PREVIOUS. A new ratio label must be added here.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from reports.funnel import PREVIOUS, STEPS
from reports.funnel_output import rate_label
from reports.labels import labels as report_labels
from web.i18n import labels as web_labels

# catalogue key -> (numerator, denominator); "step" = each funnel step, "previous" = the step before it.
REPORT_RATIOS = {
    "attendance_rate": ("attended", "invited"),  # reports/charts.py weekly trend
    "conversion_rate": ("converted", "referrals"),  # reports/charts.py weekly trend
    "referrals_per_attendee": ("referrals", "attendees"),  # reports/charts.py weekly trend
    "viral": ("referrals", "attendees"),  # reports/referrals.py Viral.coefficient
    "of_invited": ("step", "invited"),  # FunnelTotals.of_invited: the chart's percentages and the 占邀请 column
    "rate": ("step", "previous"),
    "share": ("conversions", "all conversions"),  # reports/visits.py
    "cumulative": ("conversions up to n visits", "all conversions"),
}
WEB_RATIOS = {"rate_prev": ("step", "previous")}


def ratio_names(language: str) -> dict[str, set[tuple[str, str]]]:
    """Every ratio label text of ``language`` -> the ratios it is used for."""
    L, t = report_labels(language), web_labels(language)
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, ratio in REPORT_RATIOS.items():
        found[L[key]].add(ratio)
    for key, ratio in WEB_RATIOS.items():
        found[t[key]].add(ratio)
    for step in PREVIOUS:
        found[rate_label(step, L)].add((step, PREVIOUS[step]))
    return found


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_label_names_two_different_ratios(language):
    clashes = {name: ratios for name, ratios in ratio_names(language).items() if len(ratios) > 1}
    assert clashes == {}


def spelled(name: str) -> str:
    """The two steps a label spells ("到场/邀请" of "裂变系数(到场/邀请)", spaces dropped), else the whole label."""
    inner = name[name.find("(") + 1:name.rfind(")")] if "(" in name else name
    return "/".join(part.strip() for part in inner.split("/")) if "/" in inner else name


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_ratio_is_spelled_one_way(language):
    """成交率 in the trend chart and 转介绍成交/转介绍 in the grouped table were one ratio under two names."""
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, ratios in ratio_names(language).items():
        for ratio in ratios:
            names[ratio].add(spelled(name))
    assert {ratio: found for ratio, found in names.items() if len(found) > 1} == {}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_ratio_spelled_by_two_steps_uses_the_steps_own_words(language):
    """"到场/确认" is no step's word (确认参加 is), and "转介绍/到场" would name attended, not 到场合计."""
    L = report_labels(language)
    words = {L[step]: step for step in (*STEPS, "walk_ins", "attendees")}
    for key, (top, bottom) in REPORT_RATIOS.items():
        name = spelled(L[key])
        if "/" in name and top in words.values() and bottom in words.values():
            assert tuple(words.get(part) for part in name.split("/")) == (top, bottom), (key, L[key])


def test_a_page_label_spelling_two_steps_is_a_ratio_the_reports_name_so():
    """The pages name their ratios with the reports' words: "到场/确认" beside the table's "到场/确认参加" was a second
    spelling (and 确认 is no step's word)."""
    for language in ("zh", "en"):
        L, t = report_labels(language), web_labels(language)
        words = {L[step] for step in (*STEPS, "walk_ins", "attendees")}
        defined = {spelled(name) for name in ratio_names(language)}
        for key, value in t.items():
            parts = [part.strip() for part in value.split("/")]
            if len(parts) == 2 and parts[0] in words:
                assert "/".join(parts) in defined, (language, key, value)
