"""Driving audio: converted when it is merely another format, refused with one line when it cannot drive a face."""

import numpy as np
import pytest
import soundfile as sf

from phadtf_kedro.audio.driving import load_driving_audio
from phadtf_kedro.errors import PhadtfError
from tests.conftest import SHARED_DATA, ffmpeg, shared

OBAMA = SHARED_DATA / "audio" / "obama_weekly_13s.wav"


def test_stereo_44k_mp3_is_converted(tmp_path):
    src = shared(OBAMA)
    mp3 = tmp_path / "speech.mp3"
    ffmpeg("-i", str(src), "-t", "3", "-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", str(mp3))
    audio = load_driving_audio(mp3)
    assert audio.sample_rate == 16000 and audio.samples.ndim == 1
    assert abs(audio.duration - 3.0) < 0.06
    reference, _ = sf.read(src, frames=48000, dtype="float32")
    lag = np.argmax(np.correlate(audio.samples[2000:30000], reference[2000:12000], "valid"))
    assert np.corrcoef(audio.samples[2000 + lag:12000 + lag], reference[2000:12000])[0, 1] > 0.9  # the same speech


@pytest.mark.parametrize("name,samples,match", [
    ("silent.wav", np.zeros(16000, np.float32), "audio is silent"),
    ("short.wav", 0.3 * np.sin(np.arange(3200) / 5.0).astype(np.float32), "shorter than the minimum 0.3 s"),
])
def test_unusable_audio_is_one_line(tmp_path, name, samples, match):
    path = tmp_path / name
    sf.write(path, samples, 16000)
    with pytest.raises(PhadtfError, match=f"{name}: .*{match}"):
        load_driving_audio(path)


def test_not_audio_at_all(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio\n" * 100)
    with pytest.raises(PhadtfError, match="notes.wav: no decodable audio stream") as info:
        load_driving_audio(path)
    assert "\n" not in str(info.value)
    with pytest.raises(PhadtfError, match="missing.wav: driving audio not found"):
        load_driving_audio(tmp_path / "missing.wav")
