"""Funnel and trend charts (matplotlib, Agg): PNG for files, SVG with glyphs as paths for self-contained HTML.

Chinese labels need a font with Simplified Chinese glyphs: Noto Sans SC from the PyPI package
pylopdf-fonts-zh-cn, else Debian's fonts-noto-cjk or fonts-wqy-microhei. Nothing is fetched at run time.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from errors import ConfigError
from reports.funnel import STEPS, FunnelReport, FunnelRow
from reports.labels import percent

DEBIAN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
GOLD = ("#8c6d1f", "#a8842a", "#c39b36", "#d4ae4c", "#b5523b", "#c8674e", "#d98a6e")


def cjk_font_path() -> Path | None:
    """A font file that draws Simplified Chinese, if one is installed."""
    try:
        import pylopdf_fonts_zh_cn

        path = pylopdf_fonts_zh_cn.sans_path()
        if path.exists():
            return path
    except ImportError:
        pass
    return next((Path(p) for p in DEBIAN_FONTS if Path(p).exists()), None)


@lru_cache(maxsize=1)
def _font_family() -> str | None:
    from matplotlib import font_manager

    path = cjk_font_path()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _rc(language: str) -> dict:
    family = _font_family()
    if family is None and language == "zh":
        raise ConfigError("charts with Chinese labels need a CJK font: pip install pylopdf-fonts-zh-cn "
                          "(or apt-get install fonts-wqy-microhei), or set language = \"en\"")
    return {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"], "svg.fonttype": "path",
            "axes.spines.top": False, "axes.spines.right": False}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_funnel(ax, total: FunnelRow, L: dict) -> None:
    """Centred bars, one per step, each labelled with its count, its rate on the step before and on invited."""
    values = [getattr(total, s) for s in STEPS]
    top = max(values[0], 1)
    for row, (step, value) in enumerate(zip(STEPS, values)):
        width = max(value / top, 0.012) if value else 0.004
        ax.barh(row, width, left=(1 - width) / 2, color=GOLD[row % len(GOLD)], height=0.78)
        rates = "" if step == "invited" else \
            f"  ({L['rate']} {percent(total.rate(step))} · {L['of_invited']} {percent(total.of_invited(step))})"
        ax.text(0.5, row, f"{L[step]} {value:,}{rates}", ha="center", va="center", fontsize=10,
                color="white" if width > 0.45 else "#222")
    ax.set_ylim(len(STEPS) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.axis("off")
    money = f"¥{total.deposits_fen / 100:,.0f}"
    ax.set_title(f"{L['funnel']} · {L['deposits_fen']}: {money} · {L['walk_ins']}: {total.walk_ins:,}", fontsize=12)


def draw_trend(ax, weeks: list[FunnelRow], L: dict) -> None:
    """Per week: attendance rate, referrals per attendee and conversion of referrals, in percent."""
    names = [w.key for w in weeks]
    series = (
        ("attendance_rate", [_pct(w.attended, w.invited) for w in weeks], GOLD[0]),
        ("referrals_per_attendee", [_pct(w.referrals, w.attendees) for w in weeks], GOLD[4]),
        ("conversion_rate", [_pct(w.converted, w.referrals) for w in weeks], "#3f6e8c"),
    )
    for key, values, color in series:
        ax.plot(names, values, marker="o", color=color, label=L[key])
    ax.set_ylabel("%")
    ax.set_title(L["trend"], fontsize=12)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=9, frameon=False)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.grid(axis="y", alpha=0.3)


def _pct(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def _figure(report: FunnelReport, L: dict, which: str):
    plt = _pyplot()
    if which == "both":
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 9.5), gridspec_kw={"height_ratios": [1.1, 1]})
        draw_funnel(top, report.total, L)
        draw_trend(bottom, report.trend, L)
    else:
        fig, ax = plt.subplots(figsize=(9, 4.6))
        (draw_funnel if which == "funnel" else draw_trend)(ax, report.total if which == "funnel" else report.trend, L)
    fig.tight_layout()
    return fig


def render_chart(report: FunnelReport, L: dict, language: str, fmt: str, which: str = "both") -> bytes:
    """The funnel and/or trend chart as PNG or SVG bytes."""
    import matplotlib

    plt = _pyplot()
    with matplotlib.rc_context(_rc(language)):
        fig = _figure(report, L, which)
        out = io.BytesIO()
        metadata = {"Date": None, "Creator": None, "Format": None, "Type": None} if fmt == "svg" else {"Software": None}
        fig.savefig(out, format=fmt, dpi=144 if fmt == "png" else 72, metadata=metadata)
        plt.close(fig)
    return out.getvalue()


def inline_svg(report: FunnelReport, L: dict, language: str, which: str) -> str:
    """An SVG chart to paste into HTML (XML prolog and doctype removed)."""
    text = render_chart(report, L, language, "svg", which).decode("utf-8")
    return text[text.index("<svg"):]
