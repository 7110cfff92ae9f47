"""Helpers for the local servers the scale-out code starts: a free loopback port, and stopping what we started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(process: subprocess.Popen | None, timeout: float = 30.0) -> None:
    """Stop a server we started with `start_new_session=True` and its workers: SIGTERM to its process group (its
    PID), SIGKILL if it is still there after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
