"""Report labels in Chinese (the default, `language = "zh"`) or English."""

from __future__ import annotations

from errors import InvalidValue

LABELS = {
    "zh": {
        "funnel": "活动漏斗", "referrals_report": "转介绍报告", "visits_report": "成交前到访次数", "followups": "黄金72小时回访名单",
        "invited": "邀请", "delivered": "送达", "confirmed": "确认参加", "attended": "到场", "walk_ins": "未邀请到场",
        "attendees": "到场合计", "referrers": "推荐人", "referrals": "转介绍", "converted": "转介绍成交",
        "deposits_fen": "转介绍入金(元)", "key": "分组", "total": "合计", "rate": "占上一环节", "of_invited": "占邀请",
        "campaign": "活动", "event": "场次", "tier": "客户分类", "salon": "沙龙", "week": "周", "store": "门店",
        "trend": "每周趋势", "attendance_rate": "到场/邀请", "referrals_per_attendee": "人均转介绍", "conversion_rate": "成交率",
        "rank": "名次", "name": "姓名", "phone": "手机", "downline": "裂变人数", "depth": "链深度",
        "viral": "裂变系数(转介绍/到场)", "generation": "代", "customers": "人数", "chains": "转介绍链",
        "visits": "到访次数", "conversions": "成交人数", "share": "占比", "cumulative": "累计占比",
        "mean_visits": "平均到访", "three_or_more": "三次及以上", "checked_in_at": "签到时间", "hours_left": "剩余小时",
        "referrer": "推荐人", "referrer_phone": "推荐人手机", "opted_out": "已退订", "filters": "筛选", "none": "无",
        "generated": "生成时间", "first_deposit_on": "首次入金",
        "festival_calendar": "节日日历", "date": "日期", "weekday": "星期", "festival": "节日", "lunar_date": "农历",
        "statutory_holiday": "法定节假日", "shop": "门店", "shop_open": "营业", "shop_closed": "休息",
        "makeup_workday": "调休上班",
    },
    "en": {
        "funnel": "Event funnel", "referrals_report": "Referrals", "visits_report": "Visits before conversion",
        "followups": "72-hour follow-up list",
        "invited": "invited", "delivered": "delivered", "confirmed": "confirmed", "attended": "attended",
        "walk_ins": "walk-ins", "attendees": "attendees", "referrers": "referrers", "referrals": "referrals",
        "converted": "converted", "deposits_fen": "deposits (CNY)", "key": "group", "total": "total", "rate": "of the step before",
        "of_invited": "of invited", "campaign": "campaign", "event": "event", "tier": "tier", "salon": "salon",
        "week": "week", "store": "store", "trend": "Weekly trend", "attendance_rate": "attended / invited",
        "referrals_per_attendee": "referrals per attendee", "conversion_rate": "conversion rate",
        "rank": "rank", "name": "name", "phone": "phone", "downline": "downline", "depth": "chain depth",
        "viral": "viral coefficient (referrals/attendees)", "generation": "generation", "customers": "customers",
        "chains": "referral chains", "visits": "visits", "conversions": "conversions", "share": "share",
        "cumulative": "cumulative", "mean_visits": "mean visits", "three_or_more": "3 or more",
        "checked_in_at": "checked in", "hours_left": "hours left", "referrer": "referrer",
        "referrer_phone": "referrer phone", "opted_out": "opted out", "filters": "filters", "none": "none",
        "generated": "generated", "first_deposit_on": "first deposit",
        "festival_calendar": "Festival calendar", "date": "date", "weekday": "weekday", "festival": "festival",
        "lunar_date": "lunar date", "statutory_holiday": "statutory holiday", "shop": "shop", "shop_open": "open",
        "shop_closed": "closed", "makeup_workday": "make-up working day",
    },
}

WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def labels(language: str) -> dict[str, str]:
    """The label table of ``language`` (zh or en)."""
    if language not in LABELS:
        raise InvalidValue(f"language {language!r}: expected zh or en")
    return LABELS[language]


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"
