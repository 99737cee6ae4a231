"""A real waitress server on a free loopback port, in a thread, for the web tests."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from web.app import make_server


@contextmanager
def running(wsgi, name: str, threads: int = 2) -> Iterator[str]:
    """Serve ``wsgi`` until the block ends; yields its base URL. Closed by waitress's own loop thread."""
    server = make_server(wsgi, "127.0.0.1", 0, threads=threads)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()


@contextmanager
def swappable(name: str) -> Iterator[tuple[list, str]]:
    """One server whose app the tests swap (``current[0] = app``): stopping waitress from another thread
    and starting the next one races on file descriptors (an occasional EBADF), so a module shares one."""
    current: list = [None]
    with running(lambda environ, start_response: current[0](environ, start_response), name) as url:
        yield current, url
