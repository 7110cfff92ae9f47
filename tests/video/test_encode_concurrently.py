"""Frames are made while the last ones are encoded (video/ffmpeg.py `encode_concurrently`): every frame reaches its
writer in order, and a failure on either side stops both and reaches the caller."""

import threading

import numpy as np
import pytest

from phadtf_kedro.video.ffmpeg import encode_concurrently


class Collecting:
    """A writer that keeps what it is given (and which thread gave it), failing at frame `fail_at` if asked."""

    def __init__(self, fail_at: int | None = None):
        self.frames, self.threads, self.fail_at = [], set(), fail_at

    def write(self, frame):
        if self.fail_at is not None and len(self.frames) == self.fail_at:
            raise BrokenPipeError("encoder gone")
        self.frames.append(frame)
        self.threads.add(threading.get_ident())


def test_every_frame_reaches_its_writer_in_order_from_another_thread():
    full, crop = Collecting(), Collecting()
    items = [(np.full((4, 4, 3), t, np.uint8), np.full((2, 2, 3), 100 + t, np.uint8)) for t in range(50)]
    encode_concurrently([full, crop], iter(items), depth=3)
    assert [int(f[0, 0, 0]) for f in full.frames] == list(range(50))
    assert [int(f[0, 0, 0]) for f in crop.frames] == [100 + t for t in range(50)]
    assert full.threads == crop.threads and threading.get_ident() not in full.threads


def test_a_failing_producer_reaches_the_caller_after_the_made_frames_are_written():
    writer = Collecting()

    def frames():
        for t in range(5):
            yield (np.full((2, 2, 3), t, np.uint8),)
        raise ValueError("bad coefficients")

    with pytest.raises(ValueError, match="bad coefficients"):
        encode_concurrently([writer], frames(), depth=2)
    assert [int(f[0, 0, 0]) for f in writer.frames] == list(range(5))


def test_a_failing_writer_stops_the_producer_and_reaches_the_caller():
    writer, made = Collecting(fail_at=3), []

    def frames():
        for t in range(1000):
            made.append(t)
            yield (np.zeros((2, 2, 3), np.uint8),)

    with pytest.raises(BrokenPipeError, match="encoder gone"):
        encode_concurrently([writer], frames(), depth=2)
    assert len(writer.frames) == 3 and len(made) <= 3 + 1 + 2 + 3  # the bounded queue keeps the producer close
