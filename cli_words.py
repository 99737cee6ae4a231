"""The CLI's catalogue: every key in both languages (tests/cli/test_cli_language.py checks it).

Keys ``col_*`` are table headers, ``state_*``/``source_*``/``action_*``/``kind_*`` stored values in words; the rest
are lines and messages (``{name}`` placeholders filled by str.format).
"""

from __future__ import annotations

ZH = {
    "error": "错误",
    "bad_date": "{option} {value!r} 不是日期；可用：{forms}",
    "json_and_format": "--json 与 --format {fmt} 只能选一个",
    "importing_customers": "导入客户", "importing_holdings": "导入持仓", "importing_movements": "导入资金变动",
    "sending": "发送短信", "list_sep": "，",
    # headers
    "col_id": "编号", "col_phone": "手机", "col_campaign": "活动", "col_step": "步骤", "col_state": "状态",
    "col_due": "计划发送", "col_sent": "发送时间", "col_reason": "原因", "col_since": "开始于", "col_customer": "客户编号",
    "col_name": "姓名", "col_source": "来源", "col_at": "时间", "col_detail": "详情", "col_action": "操作",
    # outbox
    "outbox_title": "短信发件箱", "no_messages": "没有短信",
    "stuck_title": "卡在发送中的短信", "none_stuck": "没有卡在发送中的短信",
    "stuck_hint": "先运行 `jinli outbox reconcile` 向服务商查询；查不到的用 `jinli outbox resolve 编号... sent|retry` 处理",
    "no_answer_recorded": "没有记录到回应（进程中断？）",
    "held_line": "活动 {campaign} 自 {since} 起挂起：{reason}（修正后运行 `jinli outbox release {campaign}`）",
    "none_held": "没有挂起的活动",
    "released": "活动 {campaign}：已解除挂起；待发短信随下一次 `jinli outbox send` 发出",
    "cancelled_on": "活动 {campaign}：已取消 {day} 的 {count} 条待发短信",
    "cancelled_all": "活动 {campaign}：已取消 {count} 条待发短信",
    "resolved_sent": "标记为已发送", "resolved_retry": "重新排入，立即发送",
    "resolved_one": "短信 {id}：{done}", "resolved_many": "{count} 条短信{done}",
    "send_summary": "已发送 {sent}，延后 {deferred}，重试 {retried}，失败 {failed}，卡住 {stuck}",
    "send_summary_dry": "将发送 {sent}，延后 {deferred}，重试 {retried}，失败 {failed}，卡住 {stuck}",
    "held_part": "，挂起 {held}", "suppressed_line": "未发送（{reason}）：{count}",
    "reconcile_stuck": "发送中的短信：", "reconcile_sent": "已查到发出", "reconcile_planned": "重新排入",
    "reconcile_waiting": "暂未查到（稍后再查）", "reconcile_review": "留给员工处理（服务商无法回答）",
    "reconcile_moved": "期间已有结果",
    "reconcile_reports": "送达回执：查询 {checked}，更新 {updated}",
    "reconcile_pulled": "从服务商拉取：回执 {receipts}，回复 {replies}",
    "state_planned": "待发送", "state_sending": "发送中", "state_sent": "已发送", "state_delivered": "已送达",
    "state_failed": "失败", "state_undelivered": "未送达", "state_suppressed": "未发送",
    # opt-outs
    "optouts_title": "已退订号码 {count}", "no_optouts": "没有已退订的号码", "no_optout_events": "没有退订记录",
    "state_opted_out": "已退订，不再发送", "state_may_text": "可以发送",
    "source_sms": "短信回复", "source_staff": "员工登记", "source_provider": "服务商报告", "source_import": "导入",
    "source_link": "退订链接", "source_record": "客户资料", "action_out": "退订", "action_in": "恢复接收",
    "not_customer_yet": "{phone}（尚不是客户）", "opted_out_now": "{who}：已退订", "opted_in_now": "{who}：已恢复接收",
}

EN = {
    "error": "error",
    "bad_date": "{option} {value!r} is not a day; expected one of: {forms}",
    "json_and_format": "--json and --format {fmt} exclude each other",
    "importing_customers": "importing customers", "importing_holdings": "importing holdings",
    "importing_movements": "importing movements", "sending": "sending", "list_sep": ", ",
    "col_id": "id", "col_phone": "phone", "col_campaign": "campaign", "col_step": "step", "col_state": "state",
    "col_due": "due", "col_sent": "sent", "col_reason": "reason", "col_since": "since", "col_customer": "customer",
    "col_name": "name", "col_source": "source", "col_at": "at", "col_detail": "detail", "col_action": "action",
    "outbox_title": "Outbox", "no_messages": "no messages",
    "stuck_title": "Stuck in sending", "none_stuck": "no message is stuck in 'sending'",
    "stuck_hint": "`jinli outbox reconcile` asks the provider; resolve what it cannot answer with "
                  "`jinli outbox resolve ID... sent|retry`",
    "no_answer_recorded": "no answer recorded (process stopped?)",
    "held_line": "campaign {campaign} held since {since}: {reason} (fix it, then `jinli outbox release {campaign}`)",
    "none_held": "no campaign is held",
    "released": "campaign {campaign}: released; its planned messages go out with the next `jinli outbox send`",
    "cancelled_on": "campaign {campaign}: {count} planned message(s) due on {day} cancelled",
    "cancelled_all": "campaign {campaign}: {count} planned message(s) cancelled",
    "resolved_sent": "marked sent", "resolved_retry": "planned again, due now",
    "resolved_one": "message {id}: {done}", "resolved_many": "{count} messages {done}",
    "send_summary": "sent {sent}, deferred {deferred}, retried {retried}, failed {failed}, stuck {stuck}",
    "send_summary_dry": "would send {sent}, deferred {deferred}, retried {retried}, failed {failed}, stuck {stuck}",
    "held_part": ", held {held}", "suppressed_line": "suppressed {reason}: {count}",
    "reconcile_stuck": "stuck in sending: ", "reconcile_sent": "found sent", "reconcile_planned": "planned again",
    "reconcile_waiting": "not found yet (asked again later)", "reconcile_review": "left for staff (provider cannot answer)",
    "reconcile_moved": "settled meanwhile",
    "reconcile_reports": "delivery reports: checked {checked}, updated {updated}",
    "reconcile_pulled": "pulled from the provider: receipts applied {receipts}, replies recorded {replies}",
    "state_planned": "planned", "state_sending": "sending", "state_sent": "sent", "state_delivered": "delivered",
    "state_failed": "failed", "state_undelivered": "undelivered", "state_suppressed": "suppressed",
    "optouts_title": "Opted out: {count}", "no_optouts": "no number is opted out", "no_optout_events": "no opt-out recorded",
    "state_opted_out": "opted out, not texted", "state_may_text": "may be texted",
    "source_sms": "SMS reply", "source_staff": "staff", "source_provider": "provider report", "source_import": "import",
    "source_link": "opt-out link", "source_record": "customer record", "action_out": "opted out", "action_in": "opted in",
    "not_customer_yet": "{phone} (not a customer yet)", "opted_out_now": "{who}: opted out", "opted_in_now": "{who}: opted back in",
}

WORDS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}
