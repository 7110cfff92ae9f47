"""Phone clips: the rotation lives in the display matrix (stored 360×640, shown 640×360); the probe reports the size
ffmpeg's decoder actually sends, so frames arrive upright and whole instead of reshaped into noise (issue 17, case 1)."""

from __future__ import annotations

import numpy as np
import pytest

from phadtf_kedro.video.ffmpeg import VideoFile, probe
from tests.hostile_clips import rotation_clips


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return rotation_clips(tmp_path_factory.mktemp("rotation"))


def test_probe_reports_the_displayed_size_and_rotation(clips):
    phone, sideways = probe(clips / "phone.mp4"), probe(clips / "sideways.mp4")
    assert (phone.width, phone.height, phone.rotation) == (640, 360, 90)
    assert (sideways.width, sideways.height, sideways.rotation) == (360, 640, 0)
    assert phone.fps == 25.0 and phone.duration == pytest.approx(4.0, abs=0.1) and phone.has_audio
    assert (phone.video_codec, phone.audio_codec, phone.audio_channels) == ("h264", "aac", 2)


def test_phone_clip_decodes_upright_and_whole(clips):
    upright = list(VideoFile(str(clips / "upright.mp4")).frames(stop=10))
    phone = list(VideoFile(str(clips / "phone.mp4")).frames(stop=10))
    assert len(phone) == 10 and phone[0].shape == (360, 640, 3)
    diff = np.mean([np.abs(a.astype(np.int16) - b).mean() for a, b in zip(upright, phone)])
    assert diff < 3.0  # the same pictures up to one more H.264 generation (noise would differ by ~60)
