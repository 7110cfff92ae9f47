import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.video.ffmpeg import VideoClip, VideoFile, probe, read_audio, write_video
from tests.conftest import VIDEO_31, shared


def test_probe_reads_the_facts_of_31():
    info = probe(shared(VIDEO_31))
    assert (info.width, info.height, info.fps) == (1280, 720, 25.0)
    assert info.duration == pytest.approx(24.28, abs=0.05)
    assert info.has_audio and info.audio_rate == 44100 and info.audio_channels == 2


def test_probe_missing_file_is_one_clear_line(tmp_path):
    with pytest.raises(PhadtfError, match=r"missing\.mp4: file not found"):
        probe(tmp_path / "missing.mp4")


def _gradient_clip(n, fps, audio_seconds=None, size=(64, 48)):
    w, h = size

    def frames():
        for t in range(n):
            frame = np.zeros((h, w, 3), np.uint8)
            frame[..., 0] = (t * 255) // max(n - 1, 1)
            frame[:, : w // 2, 1] = 200
            yield frame

    audio = None
    if audio_seconds:
        tt = np.arange(int(16000 * audio_seconds)) / 16000
        audio = (0.3 * np.sin(2 * np.pi * 440 * tt)).astype(np.float32)
    return VideoClip(frames, fps, audio, 16000)


def test_write_then_read_round_trip(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, _gradient_clip(50, 25, audio_seconds=2.0))
    info = probe(path)
    assert (info.width, info.height) == (64, 48) and info.has_audio
    frames = list(VideoFile(str(path), fps=25).frames())
    assert len(frames) == 50
    assert abs(int(frames[-1][..., 0].mean()) - 255) < 8  # content survives (red ramps up over time)
    audio = read_audio(path)
    assert abs(len(audio) / 16000 - 2.0) < 0.05
    assert np.abs(audio).max() > 0.2


@pytest.mark.parametrize("fps", [30, 60])
def test_other_frame_rates_are_resampled_to_25(tmp_path, fps):
    path = tmp_path / f"clip{fps}.mp4"
    write_video(path, _gradient_clip(3 * fps, fps))
    assert probe(path).fps == fps
    assert len(list(VideoFile(str(path), fps=25).frames())) == 75


def test_segments_concatenate_to_the_whole(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, _gradient_clip(40, 25))
    video = VideoFile(str(path))
    whole = list(video.frames())
    parts = list(video.frames(0, 17)) + list(video.frames(17))
    assert len(parts) == len(whole) == 40
    assert all(np.array_equal(a, b) for a, b in zip(whole, parts))
