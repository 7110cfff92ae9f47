"""PHADTF's audio features: MFCC at 100 Hz cut into one 28×12 window per 25 fps video frame.

Geometry, as in PHADTF/ATVGnet: 16 kHz mono; 0.12 s (1920 samples) of zeros prepended and appended; MFCC with a 25 ms
window and 10 ms hop (python_speech_features' recipe: pre-emphasis 0.97, rectangular window, 512-point power spectrum,
26 HTK-mel filters, natural log, orthonormal DCT-II, 13 coefficients, cepstral lifter 22); c0 dropped → 12 per row.
With four MFCC rows per video frame, video frame t takes padded rows 4t … 4t+27; in PHADTF's indexing (i = t + 3) that is
rows (i−3)·4 … (i+4)·4, a 280 ms window centred on the frame's own 40 ms interval.

librosa supplies the framing, the mel scale and the DCT with lifter; the filter bank keeps the original's bin-snapped
triangles (see `mel_filter_bank`). tests/audio/test_mfcc.py bounds the difference to python_speech_features.mfcc.
"""

from __future__ import annotations

from collections.abc import Iterator

import librosa
import numpy as np

SAMPLE_RATE = 16000
PAD_SECONDS = 0.12
WIN_LENGTH = 400  # 25 ms
HOP_LENGTH = 160  # 10 ms
N_FFT = 512
N_MELS = 26
N_MFCC = 13
LIFTER = 22
ROWS_PER_FRAME = 4  # 100 Hz MFCC / 25 fps video
WINDOW_ROWS = 28  # 280 ms


def mel_filter_bank(sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """(26, 257) triangular HTK-mel filters with edges snapped to FFT bins, as PHADTF's python_speech_features builds them.

    librosa's own `filters.mel` uses continuous triangles; on 512-point FFTs the lowest filters span one or two bins,
    where the two recipes differ by several dB, so we keep the original's bank (mel points from librosa).
    """
    hz = librosa.mel_frequencies(n_mels=N_MELS + 2, fmin=0.0, fmax=sample_rate / 2, htk=True)
    bins = np.floor((N_FFT + 1) * hz / sample_rate).astype(int)
    bank = np.zeros((N_MELS, N_FFT // 2 + 1))
    for j in range(N_MELS):
        lo, mid, hi = bins[j], bins[j + 1], bins[j + 2]
        bank[j, lo:mid] = (np.arange(lo, mid) - lo) / max(mid - lo, 1)
        bank[j, mid:hi] = (hi - np.arange(mid, hi)) / max(hi - mid, 1)
    return bank


def mfcc(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """MFCC rows (n_rows, 13) at 100 Hz, c0 included, with python_speech_features' conventions."""
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"MFCC expects {SAMPLE_RATE} Hz audio, got {sample_rate}")
    y = np.asarray(samples, np.float64)
    y = np.append(y[:1], y[1:] - 0.97 * y[:-1])  # pre-emphasis with a zero initial state
    n_rows = 1 + int(np.ceil(max(len(y) - WIN_LENGTH, 0) / HOP_LENGTH))
    y = np.pad(y, (0, (n_rows - 1) * HOP_LENGTH + WIN_LENGTH - len(y)))
    frames = librosa.util.frame(y, frame_length=WIN_LENGTH, hop_length=HOP_LENGTH, axis=0)
    power = np.abs(np.fft.rfft(frames, N_FFT)) ** 2 / N_FFT
    energies = power @ mel_filter_bank(sample_rate).T
    energies = np.where(energies == 0, np.finfo(float).eps, energies)
    coeffs = librosa.feature.mfcc(S=np.log(energies).T, n_mfcc=N_MFCC, dct_type=2, norm="ortho", lifter=0).T
    # HTK's cepstral lifter over n = 0..12 (librosa's `lifter` argument indexes from 1, a different curve)
    lift = 1.0 + (LIFTER / 2.0) * np.sin(np.pi * np.arange(N_MFCC) / LIFTER)
    return (coeffs * lift).astype(np.float32)


def _padded_signal(samples: np.ndarray, n_frames: int, sample_rate: int) -> np.ndarray:
    """The signal the MFCC rows are framed from: 0.12 s of zeros, the audio (zero-padded to the frames' duration),
    0.12 s of zeros, and zeros until the last frame's window is complete."""
    pad = np.zeros(int(PAD_SECONDS * sample_rate), np.float32)
    needed = int(round(n_frames * sample_rate / 25.0))
    body = np.asarray(samples, np.float32)
    if len(body) < needed:
        body = np.pad(body, (0, needed - len(body)))
    last = ROWS_PER_FRAME * (n_frames - 1) + WINDOW_ROWS  # rows the last window needs
    signal = np.concatenate([pad, body, pad])
    return np.pad(signal, (0, max(0, (last - 1) * HOP_LENGTH + WIN_LENGTH - len(signal))))


def mfcc_window_chunks(samples: np.ndarray, n_frames: int, chunk: int,
                       sample_rate: int = SAMPLE_RATE) -> Iterator[np.ndarray]:
    """`mfcc_windows`' windows, `chunk` frames at a time, computing only the MFCC rows each chunk needs (the one-pass
    spectrum of a long recording costs ~60 MB per minute). Rows are framed on the same 10 ms grid: a chunk's slice
    starts one hop early so that the pre-emphasis of its first kept row sees the real previous sample, and that extra
    row is dropped; the windows equal the one-pass ones to float rounding."""
    signal = _padded_signal(samples, n_frames, sample_rate)
    for f0 in range(0, n_frames, chunk):
        f1 = min(f0 + chunk, n_frames)
        r0 = max(ROWS_PER_FRAME * f0 - 1, 0)
        r1 = ROWS_PER_FRAME * (f1 - 1) + WINDOW_ROWS
        rows = mfcc(signal[r0 * HOP_LENGTH:(r1 - 1) * HOP_LENGTH + WIN_LENGTH], sample_rate)[:, 1:]
        rows = rows[ROWS_PER_FRAME * f0 - r0:]
        starts = ROWS_PER_FRAME * np.arange(f1 - f0)
        yield np.stack([rows[s:s + WINDOW_ROWS] for s in starts]).astype(np.float32)


def mfcc_windows(samples: np.ndarray, n_frames: int, sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, np.ndarray]:
    """Return (windows (n_frames, 28, 12), padded MFCC rows (n_rows, 12)): one window per video frame at 25 fps.

    Audio shorter than the video is zero-padded at the end, so every frame gets a window.
    """
    rows = mfcc(_padded_signal(samples, n_frames, sample_rate), sample_rate)[:, 1:]
    starts = ROWS_PER_FRAME * np.arange(n_frames)
    windows = np.stack([rows[s:s + WINDOW_ROWS] for s in starts]) if n_frames else np.zeros((0, WINDOW_ROWS, 12))
    return windows.astype(np.float32), rows
