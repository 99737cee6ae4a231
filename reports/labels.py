"""Report labels in Chinese (the default, `language = "zh"`) or English."""

from __future__ import annotations

from errors import InvalidValue

LABELS = {
    "zh": {
        "funnel": "活动漏斗", "referrals_report": "转介绍报告", "visits_report": "成交前到访次数", "followups": "黄金72小时回访名单",
        "invited": "邀请", "delivered": "送达", "confirmed": "确认参加", "attended": "到场", "walk_ins": "未邀请到场",
        "attendees": "到场合计", "referrers": "推荐人", "referrals": "转介绍", "converted": "转介绍成交",
        "deposits_fen": "转介绍入金(元)", "key": "分组", "total": "合计", "rate": "占上一环节", "of_invited": "占邀请",
        "campaign": "活动", "event": "场次", "tier": "客户分类", "salon": "沙龙", "week": "周", "kind": "活动类型",
        "kind_salon": "沙龙", "kind_banquet": "幸运庆生宴", "kind_event": "自办活动",
        "trend": "每周趋势", "attendance_rate": "到场/邀请", "referrals_per_attendee": "人均转介绍(转介绍/到场合计)",
        "conversion_rate": "转介绍成交/转介绍",
        "rank": "名次", "name": "姓名", "phone": "手机", "downline": "裂变人数", "depth": "链深度",
        "viral": "裂变系数(转介绍/到场合计)", "generation": "代", "customers": "人数", "chains": "转介绍链",
        "visits": "到访次数", "conversions": "成交人数", "share": "占比", "cumulative": "累计占比",
        "mean_visits": "平均到访", "three_or_more": "三次及以上", "checked_in_at": "签到时间", "hours_left": "剩余小时",
        "referrer": "推荐人", "referrer_phone": "推荐人手机", "opted_out": "已退订", "filters": "筛选", "none": "无",
        "generated": "生成时间", "first_deposit_on": "首次入金",
        "festival_calendar": "节日日历", "date": "日期", "weekday": "星期", "festival": "节日", "lunar_date": "农历",
        "statutory_holiday": "法定节假日", "shop": "门店", "shop_open": "营业", "shop_closed": "休息",
        "makeup_workday": "调休上班", "period": "期间", "all": "全部",
        "schedule": "发送日程", "recipients": "收件人", "texts": "短信", "segments": "计费条数", "cost": "费用",
        "excluded": "未发送及原因", "paused_campaigns": "已暂停", "held_campaigns": "已挂起(配置错误)",
        "no_texts": "无短信", "planning_failed": "规划失败", "unit_texts": "条短信", "unit_people": "人",
        "unit_segments": "计费条", "schedule_note": "由规划器逐日计算（与 `jinli run` 相同的规则），未写入任何数据",
        "weekly_cap": "每周上限", "priority": "优先级",
        "points_report": "积分报表", "earned": "获得积分", "spent": "使用积分", "expired": "过期积分",
        "outstanding": "剩余积分", "store": "门店", "month": "月份", "rewards_report": "转介绍奖励",
        "reward_id": "编号", "state": "状态", "gift": "礼品", "owed_on": "应发日期", "referee": "被推荐人",
        "referee_phone": "被推荐人手机", "given_by": "发放人", "given_at": "发放时间", "cancelled_on": "取消日期",
        "rewards_owed": "应发奖励", "rewards_given": "已发奖励", "owed": "待发放", "given": "已发放", "cancelled": "已取消",
        "as_of": "截至",
        "tiers_report": "客户分级", "tier_changes": "客户分级变动", "old_tier": "原分级", "new_tier": "新分级",
        "direction": "方向", "up": "升级", "down": "降级", "changed_on": "变动日期", "change_reason": "原因",
    },
    "en": {
        "funnel": "Event funnel", "referrals_report": "Referrals", "visits_report": "Visits before conversion",
        "followups": "72-hour follow-up list",
        "invited": "invited", "delivered": "delivered", "confirmed": "confirmed", "attended": "attended",
        "walk_ins": "walk-ins", "attendees": "attendees", "referrers": "referrers", "referrals": "referrals",
        "converted": "converted", "deposits_fen": "deposits (CNY)", "key": "group", "total": "total", "rate": "of the step before",
        "of_invited": "of invited", "campaign": "campaign", "event": "event", "tier": "tier", "salon": "salon",
        "kind": "event kind", "kind_salon": "salon", "kind_banquet": "birthday banquet", "kind_event": "staff event",
        "week": "week", "trend": "Weekly trend", "attendance_rate": "attended / invited",
        "referrals_per_attendee": "referrals per attendee (referrals/attendees)",
        "conversion_rate": "converted/referrals",
        "rank": "rank", "name": "name", "phone": "phone", "downline": "downline", "depth": "chain depth",
        "viral": "viral coefficient (referrals/attendees)", "generation": "generation", "customers": "customers",
        "chains": "referral chains", "visits": "visits", "conversions": "conversions", "share": "share",
        "cumulative": "cumulative", "mean_visits": "mean visits", "three_or_more": "3 or more",
        "checked_in_at": "checked in", "hours_left": "hours left", "referrer": "referrer",
        "referrer_phone": "referrer phone", "opted_out": "opted out", "filters": "filters", "none": "none",
        "generated": "generated", "first_deposit_on": "first deposit",
        "festival_calendar": "Festival calendar", "date": "date", "weekday": "weekday", "festival": "festival",
        "lunar_date": "lunar date", "statutory_holiday": "statutory holiday", "shop": "shop", "shop_open": "open",
        "shop_closed": "closed", "makeup_workday": "make-up working day", "period": "period", "all": "all",
        "schedule": "Send schedule", "recipients": "recipients", "texts": "texts", "segments": "segments", "cost": "cost",
        "excluded": "left out, by reason", "paused_campaigns": "paused", "held_campaigns": "held (configuration error)",
        "no_texts": "no texts", "planning_failed": "planning failed", "unit_texts": "texts", "unit_people": "recipients",
        "unit_segments": "segments", "schedule_note": "computed day by day by the planner (the rules of `jinli run`); nothing written",
        "weekly_cap": "weekly cap", "priority": "priority",
        "points_report": "Loyalty points", "earned": "earned", "spent": "spent", "expired": "expired",
        "outstanding": "outstanding", "store": "store", "month": "month", "rewards_report": "Referral rewards",
        "reward_id": "id", "state": "state", "gift": "gift", "owed_on": "owed since", "referee": "referee",
        "referee_phone": "referee phone", "given_by": "given by", "given_at": "given at", "cancelled_on": "cancelled on",
        "rewards_owed": "rewards owed", "rewards_given": "rewards given", "owed": "owed", "given": "given",
        "cancelled": "cancelled", "as_of": "as of",
        "tiers_report": "Tiers", "tier_changes": "Tier changes", "old_tier": "old tier", "new_tier": "new tier",
        "direction": "direction", "up": "up", "down": "down", "changed_on": "changed on", "change_reason": "reason",
    },
}

# Why a customer got no text: planning's exclusions and suppressions, and the dispatcher's.
REASONS = {
    "zh": {"opted_out": "已退订", "invalid_phone": "号码无效", "tier": "等级不符", "store": "门店不符", "not_new": "非新客户",
           "not_old": "非老客户", "cap": "本周已达上限", "capacity": "名额已满", "duplicate_text": "重复短信",
           "too_long": "短信过长", "cap_preempted": "让位于优先活动", "cancelled": "已取消", "no_template": "无报备模板",
           "bad_variable": "变量不合规", "daily_cap": "当日已达上限", "paused": "活动已暂停", "held": "活动已挂起"},
    "en": {"opted_out": "opted out", "invalid_phone": "invalid phone", "tier": "tier", "store": "store", "not_new": "not new",
           "not_old": "not old", "cap": "weekly cap", "capacity": "capacity", "duplicate_text": "duplicate text",
           "too_long": "too long", "cap_preempted": "gave way to a higher priority", "cancelled": "cancelled",
           "no_template": "no approved template", "bad_variable": "variable over its limit", "daily_cap": "daily cap",
           "paused": "campaign paused", "held": "campaign held"},
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
