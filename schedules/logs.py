"""Structured logs for the daemon: one line per event, JSON with --log-json, phone numbers masked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from messaging.phone import mask_in_text


class MaskPhones(logging.Filter):
    """Masks every phone number in the final message (138****8000): logs leave the building."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_in_text(record.getMessage())
        record.args = ()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage()}
        if record.exc_info:
            entry["error"] = mask_in_text(self.formatException(record.exc_info).splitlines()[-1])
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(json_lines: bool = False, level: int = logging.INFO, stream=None) -> None:
    """Route jinli's and APScheduler's logs to one handler on stderr; twilio's request dumps stay off."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(MaskPhones())
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # twilio's http client logs full numbers and bodies at INFO.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING if level <= logging.INFO else level)
