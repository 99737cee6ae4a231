"""Run by test_dispatch in a subprocess: a dispatcher whose gateway says which message it is sending,
then never returns, so the test can kill the process mid-send.

    python tests/integration/blocking_dispatcher.py CONFIG NOW_ISO
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime

from app import App
from messaging.dispatch import send_due_messages
from messaging.ratelimit import Unlimited
from settings import load_settings


class BlockingGateway:
    name = "blocking"

    def send(self, sms):
        print(f"sending {sms.message_id}", flush=True)
        threading.Event().wait()  # like a provider that never answers


def main(config: str, now: str) -> None:
    app = App(load_settings(config))
    send_due_messages(app.engine, BlockingGateway(), app.settings, datetime.fromisoformat(now), worker="doomed",
                      limiter=Unlimited())


if __name__ == "__main__":
    main(*sys.argv[1:])
