"""generate's audio → motion step streams (issue 17, case 4): MFCC windows and ATCNet a chunk at a time with the LSTM
state carried give exactly the one-pass result, and memory no longer grows with the audio's length."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import soundfile as sf
import torch

from phadtf_kedro.audio.mfcc import mfcc_window_chunks, mfcc_windows
from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from tests.conftest import ROOT, SHARED_DATA, shared

SPEECH = SHARED_DATA / "audio" / "obama_weekly_13s.wav"


@pytest.fixture(scope="module")
def speech():
    samples, rate = sf.read(shared(SPEECH), dtype="float32")
    return samples.mean(axis=1) if samples.ndim > 1 else samples


@pytest.mark.parametrize("chunk", [1, 7, 250, 10_000])
def test_window_chunks_equal_the_one_pass_windows(speech, chunk):
    n = int(round(len(speech) / 16000 * 25))
    whole, _ = mfcc_windows(speech, n)
    parts = list(mfcc_window_chunks(speech, n, chunk))
    assert [len(p) for p in parts[:-1]] == [chunk] * (len(parts) - 1)
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_stream_carries_the_lstm_state(speech):
    torch.manual_seed(0)
    net = ATCNet(ATCNetConfig(conv_channels=(8, 8, 16, 16, 16), fc=(32, 32), lstm_hidden=16)).eval()
    windows = torch.as_tensor(mfcc_windows(speech[:16000 * 4], 100)[0])
    one_pass = net.predict(windows)
    streamed = torch.cat(list(net.predict_stream(windows[i:i + 30] for i in range(0, 100, 30))))
    torch.testing.assert_close(streamed, one_pass, rtol=1e-5, atol=1e-6)
    restarted = torch.cat([net.predict(windows[i:i + 30]) for i in range(0, 100, 30)])
    assert not torch.allclose(restarted[30:], one_pass[30:], atol=1e-4)  # the state matters: dropping it shows


@pytest.mark.slow
def test_driven_motion_memory_is_flat_in_the_audio_length(speech):
    """Peak memory added by `driven_motion` (small network, fresh process each): 1 vs 4 minutes of speech. One pass
    added ~230 MB per minute (460 MB for 1 min, 2.6 GB for 10); streamed, the 3 extra minutes add only the audio and
    the motion arrays (~12 MB)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from motion_memory import base_params, measure

    network = base_params("audio_motion")["network"]
    one, four = (measure(minutes, network) for minutes in (1, 4))
    added = [r["peak_mb"] - r["before_mb"] for r in (one, four)]
    assert four["frames"] == 6000 and added[1] - added[0] < 100, added
