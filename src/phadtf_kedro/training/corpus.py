"""Training material for the general ATCNet from clips of many speakers (e.g. `../shared/data/corpus/`).

A clip needs none of the per-person stages (crops, texture, renders): only what ATCNet learns from, i.e. per 25 fps
frame the MFCC window of its speech and the tracked motion [52 blendshape scores | 6 pose values], exactly as
preprocessing (`track_faces`, `audio_features`) and reconstruction (`tracked_motion`) compute them for a person.
Frames where the tracker did not find exactly one face are interpolated for continuity and marked invalid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phadtf_kedro.audio.mfcc import mfcc_windows
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.crop import fill_gaps
from phadtf_kedro.face.pose import matrix_to_pose
from phadtf_kedro.face.tracker import track_video
from phadtf_kedro.video.ffmpeg import VideoFile, read_audio

FPS = 25.0
SAMPLE_RATE = 16000


def clip_motion(path: str | Path, landmarker: str | Path, min_valid: float = 0.8,
                workers: int = 1) -> dict[str, np.ndarray]:
    """{windows (T, 28, 12), targets (T, 58), valid (T,)} of one talking-head clip; refuses a clip where one face is
    tracked in fewer than `min_valid` of the frames (a general model must not learn from a lost face)."""
    video = VideoFile(str(path), FPS)
    info = video.probe()
    if not info.has_audio:
        raise PhadtfError(f"{path}: no audio track (the general ATCNet learns speech → motion)")
    n_frames = int(round(info.duration * FPS))
    tracks, _ = track_video(video, n_frames, landmarker, workers=workers)
    valid = tracks.num_faces == 1
    if valid.mean() < min_valid:
        raise PhadtfError(f"{path}: one face tracked in {valid.mean():.0%} of frames, below {min_valid:.0%}")
    poses = np.full((len(valid), 6), np.nan)
    poses[valid] = matrix_to_pose(tracks.transform[valid])
    expression = np.where(valid[:, None], tracks.blendshapes, np.nan)
    targets = np.concatenate([fill_gaps(expression), fill_gaps(poses)], axis=1).astype(np.float32)
    windows, _ = mfcc_windows(read_audio(path, SAMPLE_RATE), len(valid), SAMPLE_RATE)
    return {"windows": windows, "targets": targets, "valid": valid}
