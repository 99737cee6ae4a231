"""Structured logs for the daemon and the web server: one line per event, JSON with --log-json, redacted.

Every record is redacted as it is made (redaction.install_log_redaction): secrets become ***, phone
numbers are masked (138****8000), in the message and in any traceback. Logs leave the building.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from redaction import install_log_redaction, redact


class Redact(logging.Filter):
    """Redacts a record that was made before install_log_redaction (a handler's last line of defence)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage()}
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info).splitlines()[-1])
        return json.dumps(entry, ensure_ascii=False)


class RedactedText(logging.Formatter):
    """The plain line format; the traceback redacted even when the record was made elsewhere."""

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))


def configure_logging(json_lines: bool = False, level: int = logging.INFO, stream=None) -> None:
    """Route jinli's and APScheduler's logs to one handler on stderr; twilio's request dumps stay off."""
    install_log_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(Redact())
    handler.setFormatter(JsonLines() if json_lines else RedactedText("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # twilio's http client logs full numbers and bodies at INFO.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING if level <= logging.INFO else level)
