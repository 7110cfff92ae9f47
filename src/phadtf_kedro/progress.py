"""Progress of long steps (frames, epochs) as log lines: at most one every `every` seconds, plus the last one, so the
terminal shows the run is alive and how far it is, without flooding Kedro's log."""

from __future__ import annotations

import logging
import time


class Progress:
    def __init__(self, logger: logging.Logger, what: str, total: int, unit: str, every: float = 15.0):
        self.log, self.what, self.total, self.unit, self.every = logger, what, total, unit, every
        self.start = self.last = time.monotonic()

    def update(self, done: int, extra: str = "") -> None:
        now = time.monotonic()
        if now - self.last < self.every and done < self.total:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        self.log.info("%s: %d/%d %s (%.1f %s/s)%s", self.what, done, self.total, self.unit, rate, self.unit,
                      f", {extra}" if extra else "")
