"""PocketSphinx phone labels as ATCNet features (audio/phones.py): on the MFCC rows' own grid, one label per row,
silence where nobody speaks, and speech decoded to phones on real recordings."""

from __future__ import annotations

import numpy as np

from phadtf_kedro.audio.mfcc import mfcc_windows
from phadtf_kedro.audio.phones import PAD_ROWS, PHONES, phone_rows, phone_windows, with_phones
from phadtf_kedro.video.ffmpeg import read_audio
from tests.conftest import VIDEO_31, shared

SIL, NOISE = PHONES.index("SIL"), PHONES.index("NOISE")


def test_segments_land_on_the_padded_mfcc_rows():
    rows = phone_rows([("AA", 0, 9), ("+SPN+", 10, 11), ("M", 12, 40)], 30)
    assert rows.shape == (30, len(PHONES)) and (rows.sum(axis=1) == 1).all()
    labels = rows.argmax(axis=1)
    assert (labels[:PAD_ROWS] == SIL).all()  # the 0.12 s of zeros before the audio
    assert (labels[PAD_ROWS:PAD_ROWS + 10] == PHONES.index("AA")).all()
    assert (labels[PAD_ROWS + 10:PAD_ROWS + 12] == NOISE).all()  # fillers count as noise
    assert (labels[PAD_ROWS + 12:] == PHONES.index("M")).all()  # cut at the last row


def test_real_speech_decodes_to_phones_and_silence_to_silence():
    speech = read_audio(shared(VIDEO_31), 16000)[: 16000 * 4]
    n_frames = 150  # 4 s of speech, then 2 s of nothing (the audio is zero-padded to the frames)
    windows = phone_windows(speech, n_frames)
    assert windows.shape == (n_frames, 28, len(PHONES)) and (windows.sum(axis=2) == 1).all()
    centre = windows[:, 14].argmax(axis=1)
    spoken = ~np.isin(centre[:100], [SIL, NOISE])
    assert spoken.mean() > 0.6 and len(set(centre[:100][spoken])) >= 10  # many different phones while speaking
    assert (np.isin(centre[110:], [SIL, NOISE])).all()
    both = with_phones(mfcc_windows(speech, n_frames)[0], speech)
    assert both.shape == (n_frames, 28, 12 + len(PHONES))
