"""Deterministic synthetic shop data as the shop's CSV exports: customers, holdings, movements.

Realistic spread: birthdays 1950-2002 with about a third celebrated on the lunar calendar (some in
leap months), four stores, one customer in five referred by an earlier one, about 70% holding
products (2m / 98d / 6m / 1y, 月月返 on long terms), occasional top-ups, renewals and withdrawals.
Used by `make demo` (a few hundred customers) and `make bench` (a million). The benchmark also asks
for a share of customers with a one-year 月月返 holding whose monthly return falls due on ``today``
(its 300,000-recipient notice); those rows come from a second random stream, so the rest of the
data is the same with or without them.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鑫斌波宇浩凯健俊帆帅旭宁龙林欣晨瑞萍丹婷雪琳建国志伟海燕春"
STORES = ("南京路店", "淮海路店", "静安店", "徐汇店")
TERMS = (("2m", 0.35), ("98d", 0.2), ("6m", 0.25), ("1y", 0.2))
AMOUNTS = ((10_000, 0.3), (20_000, 0.25), (50_000, 0.25), (100_000, 0.15), (200_000, 0.05))
PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188")


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def phone(i: int) -> str:
    """The i-th synthetic mobile number (unique for i < 16 * 10^8)."""
    return f"{PREFIXES[i % len(PREFIXES)]}{(i // len(PREFIXES)) * 7919 % 100_000_000:08d}"


def customer_row(rng: random.Random, i: int, today: date) -> list[str]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    year = rng.randint(1950, 2002)
    lunar = rng.random() < 0.33
    if lunar:
        month, day, leap = rng.randint(1, 12), rng.randint(1, 29), ""
        birthday, calendar = f"{year}-{month:02d}-{day:02d}", "农历"
    else:
        born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        birthday, calendar, leap = born.isoformat(), "公历", ""
    joined = today - timedelta(days=rng.randrange(1, 3650))
    referrer = phone(rng.randrange(i)) if i > 10 and rng.random() < 0.2 else ""
    return [phone(i), name, birthday, calendar, leap, rng.choice(STORES), joined.isoformat(), referrer]


def holdings_for(rng: random.Random, i: int, today: date) -> list[list[str]]:
    if rng.random() > 0.7:
        return []
    rows = []
    for k in range(rng.choice((1, 1, 1, 2, 3))):
        term = _pick(rng, TERMS)
        start = today - timedelta(days=rng.randrange(0, 420))
        monthly = "是" if term in ("6m", "1y") and rng.random() < 0.6 else "否"
        rows.append([f"H{i:07d}{k}", phone(i), str(_pick(rng, AMOUNTS)), term, start.isoformat(), monthly])
    return rows


def movements_for(rng: random.Random, holding: list[str], today: date) -> list[list[str]]:
    start = date.fromisoformat(holding[4])
    rows = []
    for k, (kind, chance) in enumerate((("加金", 0.25), ("续金", 0.15), ("出金", 0.08), ("加金", 0.1))):
        if rng.random() < chance and (today - start).days > 1:
            on = start + timedelta(days=rng.randrange(1, (today - start).days))
            rows.append([f"M{holding[0][1:]}{k}", holding[0], kind, on.isoformat(), str(rng.choice((5000, 10000, 20000)))])
    return rows


def monthly_return_due(rng: random.Random, i: int, today: date) -> list[str]:
    """A one-year 月月返 holding started 1-11 months before ``today`` on its day of the month (≤ 28)."""
    months_back = rng.randint(1, 11)
    year, month = divmod(today.year * 12 + today.month - 1 - months_back, 12)
    start = date(year, month + 1, min(today.day, 28))
    return [f"H{i:07d}9", phone(i), str(_pick(rng, AMOUNTS)), "1y", start.isoformat(), "是"]


def generate(folder: Path, customers: int, today: date, seed: int = 2026, bad_rows: bool = False,
             monthly_return_share: float = 0.0) -> dict[str, Path]:
    """Write customers.csv, holdings.csv and movements.csv (Excel-style UTF-8 with BOM) into folder.

    ``monthly_return_share``: the share of customers given an extra 月月返 holding due on ``today``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    due_rng = random.Random(seed + 1)
    paths = {name: folder / f"{name}.csv" for name in ("customers", "holdings", "movements")}
    with open(paths["customers"], "w", encoding="utf-8-sig", newline="") as cf, \
         open(paths["holdings"], "w", encoding="utf-8-sig", newline="") as hf, \
         open(paths["movements"], "w", encoding="utf-8-sig", newline="") as mf:
        cw, hw, mw = csv.writer(cf), csv.writer(hf), csv.writer(mf)
        cw.writerow(["手机号", "姓名", "生日", "历法", "闰月", "门店", "入会日期", "推荐人"])
        hw.writerow(["合同号", "手机号", "金额", "期限", "起息日", "月月返"])
        mw.writerow(["流水号", "合同号", "类型", "日期", "金额"])
        for i in range(customers):
            cw.writerow(customer_row(rng, i, today))
            for holding in holdings_for(rng, i, today):
                hw.writerow(holding)
                mw.writerows(movements_for(rng, holding, today))
            if monthly_return_share and due_rng.random() < monthly_return_share:
                hw.writerow(monthly_return_due(due_rng, i, today))
        if bad_rows:
            cw.writerow(["021-6321-8888", "座机客户", "1980-01-01", "公历", "", STORES[0], today.isoformat(), ""])
            cw.writerow(["13912345678", "日期有误", "1985-02-30", "公历", "", STORES[0], today.isoformat(), ""])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bad-rows", action="store_true", help="add two invalid rows (to show the rejects file)")
    parser.add_argument("--monthly-return-share", type=float, default=0.0,
                        help="share of customers with a 月月返 holding due on --today (the benchmark uses 0.3)")
    args = parser.parse_args()
    paths = generate(args.folder, args.customers, args.today, args.seed, args.bad_rows, args.monthly_return_share)
    for name, path in paths.items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
