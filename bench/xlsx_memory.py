"""Peak memory of importing a large customers .xlsx (python-calamine): `python -m bench.xlsx_memory ROWS DIR`.

Writes ROWS customers with xlsxwriter (constant memory), imports them into a fresh SQLite file, and
prints the Python heap peak (tracemalloc) and the process's peak RSS (which includes calamine's native
copy of the sheet) for reading alone and for the whole import.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from datetime import date, datetime, timezone
from pathlib import Path

import xlsxwriter


def write_workbook(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("客户")
    as_date = book.add_format({"num_format": "yyyy/m/d"})
    sheet.write_row(0, 0, ["手机号", "客户姓名", "出生日期", "所属门店", "推荐人"])
    for i in range(1, rows + 1):
        sheet.write_number(i, 0, 13000000000 + i)
        sheet.write_string(i, 1, f"客户{i}")
        sheet.write_datetime(i, 2, datetime(1960 + i % 40, 1 + i % 12, 1 + i % 28), as_date)
        sheet.write_string(i, 3, "南京路店")
        if i % 10 == 0:
            sheet.write_number(i, 4, 13000000000 + i - 1)
    book.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(rows: int, folder: Path) -> None:
    from records import db, importing
    from records.sheets import open_sheet

    path = folder / f"customers_{rows}.xlsx"
    if not path.exists():
        write_workbook(path, rows)
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB; RSS before reading {rss_mb():.0f} MB")
    tracemalloc.start()
    started = time.perf_counter()
    n = sum(1 for _ in open_sheet(path, importing.CUSTOMER_COLUMNS).rows())
    _, peak = tracemalloc.get_traced_memory()
    print(f"read {n} rows in {time.perf_counter() - started:.1f}s: Python heap peak {peak / 1e6:.1f} MB, RSS peak {rss_mb():.0f} MB")
    tracemalloc.reset_peak()
    engine = db.make_engine(f"sqlite:///{folder / 'mem.sqlite'}")
    db.upgrade(engine)
    options = importing.ImportOptions(rejects_path=folder / "rejects.xlsx", today=date(2025, 6, 2),
                                      now=datetime(2025, 6, 2, tzinfo=timezone.utc))
    started = time.perf_counter()
    summary = importing.import_file(engine, "customers", path, options)
    _, peak = tracemalloc.get_traced_memory()
    print(f"imported {summary.imported} in {time.perf_counter() - started:.1f}s: Python heap peak {peak / 1e6:.1f} MB, "
          f"RSS peak {rss_mb():.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
