"""Where an import's rejected rows and warnings go: a file in the input's format, or a dry run's preview."""

from __future__ import annotations

from typing import Any

from records.csvfile import RejectsFile, default_rejects_path
from records.reasons import say


def rejects_for(sheet, options) -> Any:
    """Where rejected rows go: a preview in memory for a dry run, else ``--rejects`` or FILE.rejects.xlsx
    beside a workbook, FILE.rejects.csv beside a CSV file; a stale file of that name is removed."""
    if options.dry_run:
        return PreviewRejects(language=options.language)
    path = options.rejects_path or default_rejects_path(sheet.path, ".xlsx" if sheet.kind == "excel" else ".csv")
    path.unlink(missing_ok=True)  # a stale file would blame rows that are fine now
    if path.suffix.lower() == ".xlsx":
        from records.excelfile import ExcelRejects
        return ExcelRejects(path, sheet)
    return RejectsFile(path, sheet)


class PreviewRejects:
    """A dry run's rejects: counted, the first ``keep`` kept as lines for the terminal; no file."""

    path = None

    def __init__(self, keep: int = 20, language: str = "zh"):
        self.keep, self.count, self.lines, self.language = keep, 0, [], language

    def add(self, row_number: int, reason: str, raw: list) -> None:
        self.count += 1
        if len(self.lines) < self.keep:
            self.lines.append(say(self.language, "import_row", f"row {row_number}: {reason}", row=row_number, reason=reason))

    def __enter__(self) -> "PreviewRejects":
        return self

    def __exit__(self, *_exc) -> None:
        return None
