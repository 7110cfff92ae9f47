"""What each evaluation row shows on the held-out frames (the part of the person's video after the training part).

- `ours`: exactly what `generate` does, driven by the held-out audio: ATCNet's expression *and* pose, the
  configured pose handling, pose-matched backgrounds, render → blend → refine → paste-back into the full frame.
- `blended`: the same frames without the GAN (the blended crop is pasted back), so refinement's share is measured.
- `ours_real_pose`: ours' expression (ATCNet's, as generation uses it) with the real (tracked) head pose, to
  isolate image quality from pose. The real track is handled as generation handles a pose track: with `pose_source:
  matched` it chooses the backgrounds and every frame takes its background's pose, as in `ours`. (Rendering the real
  pose onto a background of another pose made the warped lower face tear at the seam and the jaw line double.)
- `mismatched`: `ours` driven by another stretch of the person's speech (the training part's audio from its start,
  looped if shorter):
  a control — mouth metrics against the real held-out video must collapse toward 0 here.
- `static`: the last training frame repeated; `replay`: the training frames played back from the start.
- `real`: the real held-out frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.face.model import EXPRESSION, POSE
from phadtf_kedro.face.pose import replay_index
from phadtf_kedro.synthesis.plan import plan_frames, training_frames

ROWS = ("ours", "blended", "ours_real_pose", "mismatched", "static", "replay", "real")
SYNTHESIZED = ("ours", "ours_real_pose", "mismatched")  # rows with a plan of their own (`blended` shares ours')
FPS = 25.0


def heldout_frames(face_coefficients: dict[str, np.ndarray], max_frames: int) -> np.ndarray:
    """The first `max_frames` frames after the training part."""
    return np.flatnonzero(~face_coefficients["train"])[:max_frames].astype(np.int32)


def audio_span(audio: Audio, start_frame: int, n_frames: int) -> Audio:
    """`n_frames` video frames' worth of `audio` from `start_frame` on, looped when the audio runs out."""
    per_frame = audio.sample_rate / FPS
    start, length = int(round(start_frame * per_frame)), int(round(n_frames * per_frame))
    samples = audio.samples[start:start + length]
    if 0 < len(samples) < length:
        samples = np.resize(samples, length)
    return Audio(np.asarray(samples, np.float32), audio.sample_rate)


def row_plans(held: np.ndarray, face_coefficients: dict[str, np.ndarray], audio_16k: Audio,
              motion_from_audio: Callable[[Audio], dict[str, np.ndarray]],
              plan_from_motion: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]],
              blending: dict[str, Any], reassign: bool = True) -> dict[str, np.ndarray]:
    """Per row: what each held-out frame shows. Keys `<row>.coefficients` / `<row>.background` for the synthesized
    rows, `<row>.frame` (the video frame shown) for static, replay and real, `ours.predicted` (ATCNet's output)."""
    n = len(held)
    ours_motion = motion_from_audio(audio_span(audio_16k, int(held[0]), n))
    training_audio = audio_span(audio_16k, 0, int(held[0]))  # the speech of the training part only
    other_motion = motion_from_audio(audio_span(training_audio, 0, n))
    coeffs = face_coefficients["coefficients"]
    plans = {"ours": plan_from_motion(ours_motion), "mismatched": plan_from_motion(other_motion)}
    plans["ours_real_pose"] = plan_frames(plans["ours"]["coefficients"][:, EXPRESSION], coeffs[held][:, POSE],
                                          face_coefficients, blending["search_window"], blending["hanning_taps"],
                                          reassign=reassign, speed=blending["match_speed"],
                                          head_speed_quantile=blending["head_speed_quantile"], pace=blending["pace"])
    train = training_frames(face_coefficients)
    out = {f"{row}.{key}": plan[key] for row, plan in plans.items() for key in ("coefficients", "background")}
    out.update({"frames": held, "ours.predicted": ours_motion["predicted"],
                "static.frame": np.full(n, train[-1], np.int32),
                "replay.frame": train[replay_index(len(train), n)].astype(np.int32),
                "real.frame": held})
    return out
