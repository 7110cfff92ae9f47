import numpy as np
import python_speech_features as psf
import soundfile as sf

from phadtf_kedro.audio.mfcc import mfcc, mfcc_windows
from phadtf_kedro.video.ffmpeg import read_audio
from tests.conftest import SHARED_DATA, VIDEO_31, shared

# librosa + our bin-snapped filter bank reproduce python_speech_features.mfcc up to float32 rounding; allow 1e-3.
TOLERANCE = 1e-3


def test_mfcc_matches_python_speech_features_on_real_speech():
    y = read_audio(shared(VIDEO_31), 16000)[: 16000 * 6]
    ours, ref = mfcc(y), psf.mfcc(y, 16000, winstep=0.01)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours[:, 1:], ref[:, 1:], atol=TOLERANCE, rtol=0)


def test_mfcc_matches_on_a_second_speaker():
    y, rate = sf.read(shared(SHARED_DATA / "audio" / "grid_lwbsza_3s.wav"), dtype="float32")
    np.testing.assert_allclose(mfcc(y, rate)[:, 1:], psf.mfcc(y, rate, winstep=0.01)[:, 1:], atol=TOLERANCE, rtol=0)


def test_one_window_per_frame_with_phadtf_geometry():
    rng = np.random.default_rng(0)
    n_frames = 50
    y = rng.normal(0, 0.1, n_frames * 640).astype(np.float32)
    windows, rows = mfcc_windows(y, n_frames)
    assert windows.shape == (n_frames, 28, 12)
    padded = np.concatenate([np.zeros(1920, np.float32), y, np.zeros(1920, np.float32)])
    ref = mfcc(padded)[:, 1:]
    np.testing.assert_allclose(rows[: len(ref)], ref, atol=1e-6)
    for t in (0, 7, n_frames - 1):  # frame t ↔ padded rows 4t … 4t+27, i.e. (i−3)·4 … (i+4)·4 with i = t+3
        np.testing.assert_array_equal(windows[t], rows[4 * t: 4 * t + 28])


def test_window_is_centred_on_its_frame():
    """A click in the middle of frame k's 40 ms interval lands in the middle rows of window k."""
    n_frames, k = 40, 20
    y = np.zeros(n_frames * 640, np.float32)
    y[k * 640 + 320: k * 640 + 336] = 0.9
    windows, _ = mfcc_windows(y, n_frames)
    energy = np.abs(windows[k] - windows[0]).sum(axis=1)
    peak = int(np.argmax(energy))
    assert 11 <= peak <= 16, peak


def test_short_audio_is_padded_to_the_video():
    windows, _ = mfcc_windows(np.zeros(1000, np.float32), 30)
    assert windows.shape == (30, 28, 12)
