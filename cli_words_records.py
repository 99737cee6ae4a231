"""The catalogue's second part: what the writing commands say (import, customers, points, staff, pauses, db) and the
import's reject reasons and warnings (``reject_*``, ``field_*``), in both languages; cli_words merges it in.
"""

from __future__ import annotations

ZH = {
    # import summary
    "import_dry_run": "演练：未写入任何数据；实际导入将得到：",
    "import_counts": "{file}：新增 {imported}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}",
    "import_warnings_part": "，警告 {warnings}", "import_merged_part": "，合并 {merged}（手机号或编号重复：以最后一行为准）",
    "import_ignored": "未使用的列：{columns}", "import_rejects_written": "被拒绝的行与警告已写入 {path}",
    "import_more": "  …… 另有 {count} 条",
    "import_recompute_note": "积分与分级将由后台服务在 {m} 分钟内重算；也可运行 `jinli tiers recompute` 与 `jinli points recompute`",
    "import_row": "第 {row} 行：{reason}", "import_warning": "警告：{message}",
    # reject reasons and warnings
    "field_date": "日期", "field_joined_on": "入会日期", "field_birthday": "生日", "field_start_on": "起始日",
    "field_amount": "金额", "field_principal": "本金", "field_maturity_on": "到期日",
    "reject_phone_empty": "手机号为空",
    "reject_phone_not_number": "手机号 {raw!r} 不是电话号码",
    "reject_phone_invalid": "手机号 {raw!r} 不是有效号码",
    "reject_phone_landline": "手机号 {raw!r} 不是手机号码（座机？）",
    "reject_phone_scientific": "手机号 {raw!r} 是科学计数法，末几位已丢失：请在 Excel 中把该列设为文本格式，再重新输入号码",
    "reject_not_date": "{what} {value!r} 不是日期（应为 年-月-日，如 2024-03-05）",
    "reject_no_such_date": "{what} {value!r} 不存在",
    "reject_future_date": "{what} {value} 晚于导入日（{today}）",
    "reject_not_amount": "{what} {value!r} 不是金额",
    "reject_amount_over": "{what} {value!r} 超过上限 {max} 元（[import] max_amount）",
    "reject_amount_positive": "{what} {value!r} 须为正数金额（元），最多两位小数",
    "reject_name_empty": "姓名为空",
    "reject_birthday_not_date": "生日 {raw!r} 不是日期（如 1985/3/5、1962年8月15日、农历1962年八月十五）",
    "warn_birthday_no_year": "生日 {raw!r} 没有年份：每年照常庆祝；但没有出生年份，生肖与年龄类活动会跳过该客户",
    "warn_referrer_not_found": "找不到推荐人 {referrer!r}；客户已导入，未关联推荐人",
    "warn_referrer_ambiguous": "推荐人 {referrer!r} 是 {count} 位客户的姓名：请填写推荐人的手机号或推荐码",
    "warn_referrer_self": "客户不能推荐自己", "warn_referrer_kept": "已由客户 {id} 推荐，保留原推荐人",
    "warn_referrer_cycle": "推荐人 {phone} 本身（直接或间接）由该客户推荐",
    "warn_without_referrer": "{problem}；客户已导入，未关联该推荐人",
    "import_missing_column": "{path}：缺少列 {columns}", "import_no_header": "（前 {rows} 行中没有表头行）",
    # customers
    "customer_changed": "客户 {id}：{summary}", "nothing_changed": "没有改动", "change_sep": "；",
    "change_line": "{field}：{before} → {after}",
    "field_name": "姓名", "field_store": "门店", "field_born_on": "出生日期", "field_birth_calendar": "历法",
    "field_birth_leap": "闰月", "field_referrer_id": "推荐人编号",
    "customer_erased": "客户 {id} 的个人资料已删除：{tables} 张表中的 {rows} 行，文件网关输出 {lines} 行，拒绝文件 {cleaned} 行",
    "erased_opted_out": "；该号码仅以加密散列保存（已退订）",
    "rejects_not_cleaned": "未清理（不是 CSV 文件）：{path}：请手动删除该客户的行",
    "reason_empty": "--reason 不能为空",
    # points and rewards
    "points_adjusted": "{name}（{phone}）：积分 {delta:+d}（{reason}）；余额 {balance}",
    "points_redeemed": "{name}（{phone}）：兑换 {reward}，用去 {points} 积分；余额 {balance}",
    "points_recomputed": "截至 {day} 的积分：新增 {count} 笔（{rules}）；转介绍奖励：新增待发 {owed}，取消 {cancelled}",
    "reward_given": "奖励 {id}（{gift}）已由 {by} 发放",
    # staff
    "staff_added": "员工 {name}：{role}，{stores}", "staff_stores": "门店 {stores}",
    "staff_passwd": "员工 {name}：密码已修改", "staff_disabled": "员工 {name}：已停用", "staff_enabled": "员工 {name}：已启用",
    # campaigns pause and resume
    "campaign_paused": "活动 {campaign}：已暂停；{waiting} 条待发短信等待，在 `jinli campaigns resume {campaign}` 之前不再规划新短信",
    "campaign_resumed": "活动 {campaign}：已恢复；其 {waiting} 条待发短信到时发出（不再需要的先用 "
                        "`jinli outbox cancel --campaign {campaign}` 取消）",
    "campaign_paused_already": "活动 {campaign!r} 已处于暂停状态（`jinli campaigns resume {campaign}`）",
    "campaign_not_paused": "活动 {campaign!r} 未暂停（见 `jinli campaigns list`）",
    "campaign_not_held": "活动 {campaign!r} 未被挂起（见 `jinli outbox holds`）",
    "resolve_ids_or_filter": "请给出短信编号，或 --campaign / --before / --all-stuck，二者只能选一",
    # campaign files (campaigns validate, list)
    "campaign_problem": "{file}：{at}：{problem}", "campaign_top_level": "（顶层）", "campaign_required": "缺少此项（必填）",
    "campaign_expected": "应为{label}，实际为 {value!r}", "campaign_at_least": "不能小于 {minimum}，实际为 {value!r}",
    "campaign_at_most": "不能大于 {maximum}，实际为 {value!r}",
    "campaign_expected_date": "应为日期（如 2025-01-01），实际为 {value!r}",
    "campaign_expected_time": "应为时间（如 \"10:00\"），实际为 {value!r}",
    "campaign_unknown_value": "未知的值 {value!r}：可用 {options}", "campaign_unknown_weekday": "未知的星期 {value!r}：可用 mon…sun 或 周一…周日",
    "campaign_unknown_key": "未知的键（已知：{known}）",
    "campaign_label_string": "字符串", "campaign_label_bool": " true 或 false", "campaign_label_int": "整数",
    "campaign_label_number": "数字", "campaign_label_list": "列表", "campaign_label_tables": "表数组（[[...]]）",
    "campaign_label_table": "表",
    # tiers pin
    "tier_pinned": "{name}（{phone}）：手动指定为 {tier}", "tier_unpinned": "{name}（{phone}）：已取消手动指定；按得分等级：{tier}",
    # db
    "schema_upgraded": "数据库结构：{before} → {after}", "schema_current": "数据库结构已是最新：{after}",
    "schema_empty": "空", "schema_status": "数据库：{current}；本程序：{head}",
    "fillfactor_hint": "客户表：新的填充率只对今后写入的页生效；请在空闲时段运行一次 `VACUUM FULL customers`"
                       "（每百万客户约锁表一分钟），此后每日分级重算就地改写记录",
}

EN = {
    "import_dry_run": "dry run: nothing was written; an import would give:",
    "import_counts": "{file}: imported {imported}, updated {updated}, unchanged {unchanged}, rejected {rejected}",
    "import_warnings_part": ", warnings {warnings}",
    "import_merged_part": ", merged {merged} (a phone or id repeated: the last row counts)",
    "import_ignored": "ignored columns: {columns}", "import_rejects_written": "rejected rows and warnings written to {path}",
    "import_more": "  … and {count} more",
    "import_recompute_note": "points and tiers will be recomputed by the daemon within {m} minutes; or run "
                             "`jinli tiers recompute` and `jinli points recompute`",
    "import_row": "row {row}: {reason}", "import_warning": "warning: {message}",
    "field_date": "date", "field_joined_on": "joined_on", "field_birthday": "birthday", "field_start_on": "start_on",
    "field_amount": "amount", "field_principal": "principal", "field_maturity_on": "maturity_on",
    "reject_phone_empty": "phone is empty",
    "reject_phone_not_number": "phone {raw!r} is not a phone number",
    "reject_phone_invalid": "phone {raw!r} is not a valid number",
    "reject_phone_landline": "phone {raw!r} is not a mobile number (landline?)",
    "reject_phone_scientific": "phone {raw!r} is in scientific notation and its last digits are lost: format the column "
                               "as text in Excel and type the numbers again",
    "reject_not_date": "{what} {value!r} is not a date (expected YYYY-MM-DD)",
    "reject_no_such_date": "{what} {value!r} does not exist",
    "reject_future_date": "{what} {value} is in the future (the import day is {today})",
    "reject_not_amount": "{what} {value!r} is not an amount",
    "reject_amount_over": "{what} {value!r} is over the maximum of {max} yuan ([import] max_amount)",
    "reject_amount_positive": "{what} {value!r} must be a positive amount in yuan with at most 2 decimals",
    "reject_name_empty": "name is empty",
    "reject_birthday_not_date": "birthday {raw!r} is not a date (e.g. 1985/3/5, 1962-08-15 or a lunar date)",
    "warn_birthday_no_year": "birthday {raw!r} has no year: it is celebrated every year; without a year on file, zodiac "
                             "and age campaigns skip this customer",
    "warn_referrer_not_found": "referrer {referrer!r} not found; customer imported without referrer",
    "warn_referrer_ambiguous": "referrer {referrer!r} is the name of {count} customers: give the referrer's phone or "
                               "referral code",
    "warn_referrer_self": "a customer cannot refer themself", "warn_referrer_kept": "already referred by customer {id}, kept",
    "warn_referrer_cycle": "referrer {phone} was themself referred (directly or not) by this customer",
    "warn_without_referrer": "{problem}; customer imported without this referrer",
    "import_missing_column": "{path}: missing column {columns}", "import_no_header": " (no header row among the first {rows} rows)",
    "customer_changed": "customer {id}: {summary}", "nothing_changed": "nothing changed", "change_sep": "; ",
    "change_line": "{field}: {before} -> {after}",
    "field_name": "name", "field_store": "store", "field_born_on": "born_on", "field_birth_calendar": "birth_calendar",
    "field_birth_leap": "birth_leap", "field_referrer_id": "referrer_id",
    "customer_erased": "customer {id} erased: {rows} rows in {tables} tables, {lines} line(s) of the file gateway's "
                       "output, {cleaned} row(s) of rejects files",
    "erased_opted_out": "; the phone is kept only as a keyed hash (opted out)",
    "rejects_not_cleaned": "not cleaned (not a CSV file): {path}: remove the customer's rows by hand",
    "reason_empty": "--reason must not be empty",
    "points_adjusted": "{name} ({phone}): {delta:+d} points ({reason}); balance {balance}",
    "points_redeemed": "{name} ({phone}): redeemed {reward} for {points} points; balance {balance}",
    "points_recomputed": "points as of {day}: new awards {count} ({rules}); referral rewards: {owed} newly owed, "
                         "{cancelled} cancelled",
    "reward_given": "reward {id} ({gift}) given by {by}",
    "staff_added": "staff {name}: {role}, {stores}", "staff_stores": "stores {stores}",
    "staff_passwd": "staff {name}: password changed", "staff_disabled": "staff {name}: disabled",
    "staff_enabled": "staff {name}: enabled",
    "campaign_paused": "campaign {campaign}: paused; {waiting} planned message(s) wait and nothing new is planned until "
                       "`jinli campaigns resume {campaign}`",
    "campaign_resumed": "campaign {campaign}: resumed; its {waiting} planned message(s) go out when due "
                        "(`jinli outbox cancel --campaign {campaign}` first drops those no longer wanted)",
    "campaign_paused_already": "campaign {campaign!r} is paused already (`jinli campaigns resume {campaign}`)",
    "campaign_not_paused": "campaign {campaign!r} is not paused (see `jinli campaigns list`)",
    "campaign_not_held": "campaign {campaign!r} is not held (see `jinli outbox holds`)",
    "resolve_ids_or_filter": "give message IDs, or --campaign / --before / --all-stuck, not both",
    "campaign_problem": "{file}: {at}: {problem}", "campaign_top_level": "(top level)", "campaign_required": "is required",
    "campaign_expected": "expected {label}, got {value!r}", "campaign_at_least": "must be at least {minimum}, got {value!r}",
    "campaign_at_most": "must be at most {maximum}, got {value!r}",
    "campaign_expected_date": "expected a date like 2025-01-01, got {value!r}",
    "campaign_expected_time": "expected a time like \"10:00\", got {value!r}",
    "campaign_unknown_value": "unknown value {value!r}: expected one of {options}",
    "campaign_unknown_weekday": "unknown weekday {value!r}: expected mon, tue, wed, thu, fri, sat or sun",
    "campaign_unknown_key": "unknown key (known: {known})",
    "campaign_label_string": "a string", "campaign_label_bool": "true or false", "campaign_label_int": "an integer",
    "campaign_label_number": "a number", "campaign_label_list": "a list", "campaign_label_tables": "an array of tables ([[...]])",
    "campaign_label_table": "a table",
    "tier_pinned": "{name} ({phone}): pinned to {tier}", "tier_unpinned": "{name} ({phone}): unpinned; tier by score: {tier}",
    "schema_upgraded": "schema: {before} -> {after}", "schema_current": "schema already at {after}",
    "schema_empty": "empty", "schema_status": "database: {current}; this jinli: {head}",
    "fillfactor_hint": "customers: the new fillfactor applies to pages written from now on; run `VACUUM FULL customers` "
                       "in a quiet hour (it locks the table for a minute per million customers) so the daily tier "
                       "recompute rewrites rows in place",
}
