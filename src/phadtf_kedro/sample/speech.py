"""Offline speech synthesis with eSpeak NG, for the embedded demo person.

The `espeakng-loader` wheel ships libespeak-ng and its voice data, so speech is made without network or system packages.
We drive the C API through ctypes in synchronous mode: every chunk of 16-bit samples the synthesizer produces reaches
our callback, which appends it to a buffer.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np

from phadtf_kedro.errors import PhadtfError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_lock = threading.Lock()  # libespeak-ng keeps global state: one synthesis at a time per process
_state: dict = {}


def _library() -> tuple[ctypes.CDLL, int]:
    """Load and initialise libespeak-ng once; return it with its native sample rate."""
    if "lib" not in _state:
        try:
            import espeakng_loader
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            raise PhadtfError("espeakng-loader: not installed; `pip install espeakng-loader` (it ships eSpeak NG)") from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 500, espeakng_loader.get_data_path().encode(), 0)
        if rate <= 0:
            raise PhadtfError(f"{espeakng_loader.get_library_path()}: espeak_Initialize failed (returned {rate})")
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        _state["lib"], _state["rate"] = lib, rate
    return _state["lib"], _state["rate"]


def synthesize(text: str, voice: str = "en-us", words_per_minute: int = 150) -> tuple[np.ndarray, int]:
    """Speak `text`; return mono float32 samples in [-1, 1] and their sample rate (eSpeak's native 22050 Hz).

    Each call runs in a fresh process: libespeak-ng keeps hidden state between utterances in one process (the same
    text spoken twice in a row came out a few samples apart, even after espeak_Terminate), while the first utterance
    of a process is bit-identical run after run — and the demo person must be deterministic.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_synthesize_here, text, voice, words_per_minute).result()


def _synthesize_here(text: str, voice: str, words_per_minute: int) -> tuple[np.ndarray, int]:
    with _lock:
        lib, rate = _library()
        chunks: list[np.ndarray] = []

        def on_samples(wav, n, _events):
            if n > 0 and wav:
                chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            return 0  # 0 = continue synthesis

        callback = _SYNTH_CALLBACK(on_samples)  # keep a reference while eSpeak may call it
        lib.espeak_SetSynthCallback(callback)
        if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise PhadtfError(f"eSpeak NG: unknown voice {voice!r}")
        lib.espeak_SetParameter(1, int(words_per_minute), 0)  # espeakRATE, absolute
        data = text.encode("utf-8") + b"\0"
        err = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
        lib.espeak_Synchronize()
        if err != _EE_OK:
            raise PhadtfError(f"eSpeak NG: espeak_Synth failed with code {err}")
    if not chunks:
        raise PhadtfError("eSpeak NG: synthesis produced no samples")
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0
    return samples, rate
