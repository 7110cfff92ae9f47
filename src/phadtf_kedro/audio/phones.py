"""Per-frame phone labels from PocketSphinx, as speaker-independent speech features for ATCNet (issue 13).

MFCCs carry the speaker's voice as much as what is said; a general network trained on a dozen speakers learns the
voices. Phones are what the lips follow, whoever speaks. PocketSphinx 5 (the `pocketsphinx` wheel, offline: it ships
the en-US acoustic model and a phone language model) decodes the audio as a free phone loop ("allphone" mode, the
recogniser Rhubarb Lip Sync builds on) into phone segments at 100 Hz — the MFCC rows' own 10 ms grid. Each row becomes
a one-hot over `PHONES` (39 CMU phones, silence, noise); cut into the same 28-row window per video frame as the MFCCs
(`audio.mfcc`), the one-hot columns are appended to the 12 MFCC columns: ATCNet's input becomes 28 × 53.

The acoustic model is English. Other languages still decode to the nearest English phones, so `features: mfcc` stays
the path for them.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from phadtf_kedro.audio.mfcc import HOP_LENGTH, PAD_SECONDS, ROWS_PER_FRAME, SAMPLE_RATE, WINDOW_ROWS
from phadtf_kedro.errors import PhadtfError

CMU_PHONES = ("AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY",
              "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y",
              "Z", "ZH")
PHONES = (*CMU_PHONES, "SIL", "NOISE")  # fillers (+SPN+, +NSN+, …) count as noise
PAD_ROWS = int(round(PAD_SECONDS * SAMPLE_RATE / HOP_LENGTH))  # the MFCC rows of the zeros before the audio


@lru_cache(maxsize=1)
def _decoder():
    """A PocketSphinx phone-loop decoder with its bundled en-US models (built once per process: ≈ 1 s)."""
    try:
        from pocketsphinx import Decoder, get_model_path
    except ImportError as exc:  # an optional dependency: `pip install 'phadtf_kedro[phones]'`
        raise PhadtfError("audio_motion.features: mfcc_phones needs PocketSphinx: pip install "
                          "'phadtf_kedro[phones]'") from exc
    model = get_model_path()
    return Decoder(hmm=os.path.join(model, "en-us", "en-us"),
                   allphone=os.path.join(model, "en-us", "en-us-phone.lm.bin"),
                   lw=2.0, beam=1e-20, pbeam=1e-20, loglevel="FATAL")


def phone_segments(samples: np.ndarray) -> list[tuple[str, int, int]]:
    """(phone, first row, last row) at 100 Hz of 16 kHz mono float audio in [-1, 1], as PocketSphinx decodes it."""
    pcm = (np.clip(np.asarray(samples, np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
    decoder = _decoder()
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), full_utt=True)
    decoder.end_utt()
    return [(seg.word, int(seg.start_frame), int(seg.end_frame)) for seg in decoder.seg()]


def phone_rows(segments: list[tuple[str, int, int]], n_rows: int) -> np.ndarray:
    """(n_rows, len(PHONES)) one-hot rows on the padded MFCC grid: row r is audio row r − PAD_ROWS; rows no segment
    covers (the padding, the tail) are silence."""
    rows = np.zeros((n_rows, len(PHONES)), np.float32)
    index = np.full(n_rows, PHONES.index("SIL"))
    for phone, first, last in segments:
        label = PHONES.index(phone) if phone in PHONES else PHONES.index("NOISE")
        index[max(first + PAD_ROWS, 0):max(min(last + 1 + PAD_ROWS, n_rows), 0)] = label
    rows[np.arange(n_rows), index] = 1.0
    return rows


def phone_windows(samples: np.ndarray, n_frames: int) -> np.ndarray:
    """(n_frames, 28, len(PHONES)): the phone rows each video frame's MFCC window covers (`audio.mfcc` geometry)."""
    if n_frames == 0:
        return np.zeros((0, WINDOW_ROWS, len(PHONES)), np.float32)
    rows = phone_rows(phone_segments(samples), ROWS_PER_FRAME * (n_frames - 1) + WINDOW_ROWS)
    return np.stack([rows[s:s + WINDOW_ROWS] for s in ROWS_PER_FRAME * np.arange(n_frames)])


def with_phones(mfcc_windows: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """MFCC windows (T, 28, 12) with the phone one-hot columns appended: (T, 28, 12 + len(PHONES))."""
    return np.concatenate([mfcc_windows, phone_windows(samples, len(mfcc_windows))], axis=2).astype(np.float32)
