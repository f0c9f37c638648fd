"""A worker thread that repeats one sweep (work the queue should hold and does not) until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask

log = logging.getLogger(__name__)


@contextmanager
def sweeping(
    app: Flask, name: str, interval: float, sweep: Callable[[], int], found: Callable[[int], None]
) -> Iterator[None]:
    """Run `sweep` in an app context every `interval` seconds while the block runs; `found` reports a
    non-zero count. A failing queue or database is logged once, then retried quietly until it answers."""
    stop = threading.Event()

    def run() -> None:
        failing = False
        while not stop.wait(interval):
            try:
                with app.app_context():
                    count = sweep()
            except Exception:
                if not failing:
                    log.exception("%s failed; retrying every %g s", name, interval)
                failing = True
                continue
            if failing:
                log.warning("%s works again", name)
                failing = False
            if count:
                found(count)

    threading.Thread(target=run, name=name.replace(" ", "-"), daemon=True).start()
    try:
        yield
    finally:
        stop.set()
