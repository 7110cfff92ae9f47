"""Clips a hostile user would try, made with the bundled ffmpeg from 4 s of 31.mp4 (issue 17)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import VIDEO_31, ffmpeg, shared


def rotation_clips(folder: Path) -> Path:
    """upright.mp4 (640×360), sideways.mp4 (its pixels turned 90° clockwise, no metadata), phone.mp4 (the sideways
    pixels with a 90° display matrix, stream copied: how a phone stores a portrait recording) and mute.mp4 (upright,
    with a silent AAC soundtrack)."""
    ffmpeg("-i", str(shared(VIDEO_31)), "-t", "4", "-vf", "scale=640:360", "-c:v", "libx264", "-preset", "veryfast",
           "-c:a", "aac", str(folder / "upright.mp4"))
    ffmpeg("-i", str(folder / "upright.mp4"), "-vf", "transpose=1", "-c:v", "libx264", "-preset", "veryfast",
           "-c:a", "copy", str(folder / "sideways.mp4"))
    # ffmpeg ≥ 6 no longer turns `-metadata:s:v:0 rotate=90` into a display matrix; -display_rotation writes one
    ffmpeg("-display_rotation", "90", "-i", str(folder / "sideways.mp4"), "-c", "copy", str(folder / "phone.mp4"))
    ffmpeg("-i", str(folder / "upright.mp4"), "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-map", "0:v",
           "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest", str(folder / "mute.mp4"))
    return folder
