"""The demo_sample node: a speaking astronaut, see phadtf_kedro.sample.demo."""

from __future__ import annotations

from typing import Any

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.sample.demo import make_demo_clip
from phadtf_kedro.sample.speech import synthesize
from phadtf_kedro.video.ffmpeg import VideoClip


def make_demo_video(params: dict[str, Any]) -> VideoClip:
    """The demo person saying `params['text']` for at least `params['min_seconds']`."""
    return make_demo_clip(params["text"], params["min_seconds"], params["voice"], params["words_per_minute"],
                          params["max_open_px"])


def make_demo_speech(params: dict[str, Any]) -> Audio:
    """A second sentence in the same voice: the default driving audio of `generate` (data/01_raw/audio/demo.wav)."""
    samples, rate = synthesize(params["speech_text"], params["voice"], params["words_per_minute"])
    return Audio(samples, rate)
