"""One run per person at a time, and no temp files left from a killed one.

`PersonLock` is an advisory `flock` on `data/.locks/<person>.lock`. The kernel drops a flock when its process dies, so a
lock left by a killed run (kill -9, power loss) is simply free again and the next run takes it over; the file's text
(PID, host, start time, command) only names the holder for the one-line refusal, and is rewritten by each new holder.
A second process that asks for a held lock is refused at once, naming the holder. In one process (tests, notebooks
running sessions one after another), a lock this process still holds from an earlier session that failed before it
could release is taken back, not refused.

`clean_leftovers` removes what atomic writes (`atomic.py`) leave behind when a run is killed mid-write:
`.<name>.<random>.part…` files and folders. It runs under the lock, so no live writer of that person is cut off.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from phadtf_kedro.errors import PhadtfError

log = logging.getLogger(__name__)
_HELD: dict[str, int] = {}  # lock path → file descriptor, for the locks this process holds

# `.face_crops.npz.k2j3x_1a.part.npz`, `.videos.q8w1e2.part` (a folder), `.clip.part.mp4.f32`: hidden, with `.part`
LEFTOVER = re.compile(r"^\..+\.part(\.[A-Za-z0-9]+)*$")
OLD = re.compile(r"^\.(?P<name>.+)\.old$")  # a finished folder moved aside while its replacement was renamed in


def _holder_text(path: Path) -> dict:
    for _ in range(20):  # the holder writes its line right after taking the lock: give it a moment
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        if text:
            try:
                return json.loads(text)
            except ValueError:
                return {"raw": text}
        time.sleep(0.05)
    return {}


def describe(holder: dict) -> str:
    if not holder:
        return "an unknown process"
    if "raw" in holder:
        return holder["raw"][:200]
    return f"PID {holder.get('pid')} on {holder.get('host')}, started {holder.get('started')}"


class PersonLock:
    """The lock of one person's data; `acquire` raises PhadtfError when another live process holds it."""

    def __init__(self, lock_dir: str | Path, person: str):
        self.person = person
        self.path = Path(lock_dir) / f"{person}.lock"
        self.taken_over: dict = {}  # the previous holder's line when its process had died

    def acquire(self) -> PersonLock:
        key = os.path.realpath(self.path)
        if key in _HELD:  # this process never released it (its session failed early): take it back
            _release_fd(key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _holder_text(self.path)
            raise PhadtfError(f"person {self.person!r} is already being run by {describe(holder)} (lock {self.path}); "
                              "wait for that run to finish") from None
        previous = os.read(fd, 4096).decode("utf-8", "replace").strip()
        if previous:
            try:
                self.taken_over = json.loads(previous)
            except ValueError:
                self.taken_over = {"raw": previous}
            log.warning("person %r: taking over the lock of a run that ended without releasing it (%s)", self.person,
                        describe(self.taken_over))
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
              "command": " ".join(sys.argv)[:300]}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(me) + "\n").encode(), 0)
        _HELD[key] = fd
        return self

    def release(self) -> None:
        """Empty the holder line and unlock (the file stays: unlinking it would let two processes lock two files)."""
        _release_fd(os.path.realpath(self.path))


def _release_fd(key: str) -> None:
    fd = _HELD.pop(key, None)
    if fd is None:
        return
    try:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing drops the flock


def clean_leftovers(folders: Iterable[str | Path]) -> list[Path]:
    """Remove atomic-write leftovers under `folders` (recursively); a finished folder that was moved aside (`.<name>.old`)
    and never replaced is put back. Returns what was removed."""
    removed: list[Path] = []
    for folder in {Path(f) for f in folders}:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(".*"), key=lambda p: len(p.parts), reverse=True):
            if LEFTOVER.match(path.name):
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
                removed.append(path)
            elif (old := OLD.match(path.name)) and path.is_dir():
                target = path.with_name(old.group("name"))
                if target.exists():
                    shutil.rmtree(path)
                    removed.append(path)
                else:
                    path.replace(target)
    for path in removed:
        log.info("removed %s, left by an interrupted run", path)
    return removed
