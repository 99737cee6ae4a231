"""The catalogue's third part: what the door's and desk's daily commands say (checkin, events close|cancel,
referrals add) and their errors, in both languages; cli_words merges it in."""

from __future__ import annotations

ZH = {
    # checkin
    "checkin_usage_either": "请给出 邀请码|手机号，或 `--walk-in 手机号 --name 姓名`",
    "checkin_usage_walk_in": "`--name` 与 `--referrer` 只能与 `--walk-in` 一起用",
    "checkin_code_other_event": "邀请码 {code!r} 是场次 {event} 的邀请，不是场次 {wanted}",
    "checkin_no_match": "{who!r}：没有匹配的邀请码、手机号或推荐码（新客人请用 `--walk-in 手机号 --name 姓名` 签到）",
    "prospect_needs_name": "{phone}：新客人需要姓名（`--name`）",
    "referral_not_recorded": "未记录转介绍：{reason}",
    # events
    "event_not_found": "找不到场次 {id}",
    "event_none_today": "{day} 没有场次：请用 `--event 编号` 指定",
    "event_several_today": "{day} 有 {count} 个场次（{listed}）：请用 `--event 编号` 指定",
    "event_closed": "场次 {id}（{title}）：{count} 人标记为未到场",
    "event_cancelled": "场次 {id}（{title}）：已取消；{count} 条未发短信已取消",
    "event_cancelled_before": "场次 {id}（{title}）：此前已取消；{count} 条未发短信已取消",
    "event_notices": "  已安排通知：{notices} 条（此前已安排：{before} 条）；随下一次发送发出",
    "notify_no_template": "`--notify` {template!r}：没有模板 {path}",
    # referrals
    "referee_needs_name": "没有手机号为 {phone} 的客户：请用 `--name` 把朋友登记为潜在客户",
    "referral_self": "不能自己推荐自己：{who}",
    "referral_duplicate": "重复：{referrer} 已推荐过 {referee}{when}",
    "referral_taken": "{referee} 已由 {first} 推荐{when}",
    "referral_on": "（{day}）",
    "referral_already_customer": "{referee} 已是客户（首次存入 {day}）",
    "referral_cycle": "循环推荐：{referrer} 本身（直接或间接）由 {referee} 推荐",
    "referral_who": "{name}（{phone}）",
}

EN = {
    "checkin_usage_either": "give either CODE|PHONE or --walk-in PHONE --name NAME",
    "checkin_usage_walk_in": "--name and --referrer go with --walk-in",
    "checkin_code_other_event": "code {code!r} is an invitation to event {event}, not event {wanted}",
    "checkin_no_match": "{who!r}: no invitation code, phone or referral code matches "
                        "(a new guest: check in with --walk-in PHONE --name NAME)",
    "prospect_needs_name": "name for {phone}: a new guest needs a name (--name)",
    "referral_not_recorded": "referral not recorded: {reason}",
    "event_not_found": "event {id} not found",
    "event_none_today": "no event on {day}: pass --event ID",
    "event_several_today": "{count} events on {day} ({listed}): pass --event ID",
    "event_closed": "event {id} ({title}): {count} no-show(s) marked",
    "event_cancelled": "event {id} ({title}): cancelled; {count} unsent text(s) cancelled",
    "event_cancelled_before": "event {id} ({title}): was already cancelled; {count} unsent text(s) cancelled",
    "event_notices": "  notices planned: {notices} (already planned before: {before}); they go out with the next dispatch",
    "notify_no_template": "--notify {template!r}: no template {path}",
    "referee_needs_name": "no customer with phone {phone}: give --name to register the friend as a prospect",
    "referral_self": "self-referral: {who} cannot refer themself",
    "referral_duplicate": "duplicate: {referrer} already referred {referee}{when}",
    "referral_taken": "{referee} was already referred by {first}{when}",
    "referral_on": " on {day}",
    "referral_already_customer": "{referee} is already a customer (first deposit {day})",
    "referral_cycle": "cycle: {referrer} was themself referred (directly or through others) by {referee}",
    "referral_who": "{name} ({phone})",
}
