"""A corpus clip becomes ATCNet's training material the same way a person's video does: one MFCC window and one
tracked [52 blendshapes | 6 pose] row per 25 fps frame; a clip without speech is refused in one line."""

import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.tracker import resolve_model_path
from phadtf_kedro.training.corpus import clip_motion
from phadtf_kedro.video.ffmpeg import probe
from tests.conftest import SHARED_DATA, ffmpeg, shared

CLIP = SHARED_DATA / "corpus" / "vox2_00010.mp4"  # 4.3 s, 224² face crop


def test_one_window_and_one_motion_row_per_frame():
    clip = shared(CLIP)
    motion = clip_motion(clip, resolve_model_path(None))
    n = int(round(probe(clip).duration * 25))
    assert motion["windows"].shape == (n, 28, 12) and motion["targets"].shape == (n, 58)
    assert motion["valid"].mean() >= 0.9 and np.isfinite(motion["targets"]).all()
    jaw = motion["targets"][:, 25]  # jawOpen moves while the speaker talks; pitch is in degrees
    assert 0 <= jaw.min() < jaw.max() <= 1 and jaw.std() > 0.005
    assert np.abs(motion["targets"][:, 52:55]).max() < 60


def test_a_clip_without_audio_is_refused(tmp_path):
    silent = tmp_path / "mute.mp4"
    ffmpeg("-i", str(shared(CLIP)), "-an", "-c:v", "copy", str(silent))
    with pytest.raises(PhadtfError, match=r"mute.mp4: no audio track"):
        clip_motion(silent, resolve_model_path(None))
