"""Preprocessing nodes: thin steps over video/, face/ and audio/ library code.

Every persisted output depends on `recording`, the product of all input checks, so a video that fails a check writes
nothing and earlier outputs for the person stay as they were.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phadtf_kedro.audio.driving import refuse_silence
from phadtf_kedro.audio.io import Audio
from phadtf_kedro.audio.mfcc import mfcc_windows
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.crop import crop_affine, cut_crops, integer_box, stable_boxes, to_crop_coords
from phadtf_kedro.face.orientation import median_roll_deg
from phadtf_kedro.face.sheet import contact_sheet
from phadtf_kedro.face.tracker import resolve_model_path, track_video
from phadtf_kedro.metrics.sync import correlation, speech_envelope
from phadtf_kedro.metrics.tracking import jitter
from phadtf_kedro.video.ffmpeg import VideoFile, read_audio

# Landmarks that move with the head but not with expression (nose bridge, inner/outer eye corners): their
# frame-to-frame noise in the crop is the tracking jitter we report.
RIGID_LANDMARKS = [1, 4, 6, 33, 133, 168, 263, 362]


def probe_video(raw_video: VideoFile, params: dict[str, Any]) -> dict[str, Any]:
    """Check the container: a video stream, an audio track that is not silent, at least `min_seconds` long. Returns the
    stream facts (the size is the displayed one: a phone clip's rotation is applied while decoding)."""
    info = raw_video.probe()
    if not info.has_audio:
        raise PhadtfError(f"{info.path}: no audio track (a talking-face video needs its speech)")
    if info.duration < params["min_seconds"]:
        raise PhadtfError(f"{info.path}: {info.duration:.2f} s is shorter than min_seconds={params['min_seconds']}")
    refuse_silence(info.path, read_audio(info.path, params["sample_rate"]), params["silence_dbfs"])
    return {**info.__dict__, "expected_frames": int(round(info.duration * raw_video.fps))}


def track_faces(raw_video: VideoFile, video_probe: dict[str, Any], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """MediaPipe FaceLandmarker over every 25 fps frame (VIDEO mode, segments in parallel processes)."""
    model = resolve_model_path(params["face_landmarker_model"])
    tracks, errors = track_video(raw_video, video_probe["expected_frames"], model, workers=params["tracking_workers"],
                                 max_faces=params["max_faces"])
    return {"landmarks": tracks.landmarks, "transform": tracks.transform, "blendshapes": tracks.blendshapes,
            "num_faces": tracks.num_faces, "blendshape_names": np.array(tracks.blendshape_names),
            "decode_errors": np.array(errors[:20], dtype=str)}


def check_recording(video_probe: dict[str, Any], face_tracks_raw: dict[str, np.ndarray],
                    params: dict[str, Any]) -> dict[str, Any]:
    """Gate: the video decoded to its end, one face is tracked in ≥ `min_detection_rate` of the frames, and it is
    upright in the picture (its eye line within `max_roll_deg` of level)."""
    path, n = video_probe["path"], len(face_tracks_raw["num_faces"])
    if n < 0.98 * video_probe["expected_frames"] - 1:
        first = str(face_tracks_raw["decode_errors"][0]) if len(face_tracks_raw["decode_errors"]) else "stream ended"
        raise PhadtfError(f"{path}: video does not decode to its end ({n} of {video_probe['expected_frames']} frames; "
                          f"{first})")
    counts = face_tracks_raw["num_faces"]
    one, several = float(np.mean(counts == 1)), float(np.mean(counts >= 2))
    if several > 1.0 - params["min_detection_rate"]:
        raise PhadtfError(f"{path}: two or more faces in {several:.0%} of frames (one speaker expected)")
    if one < params["min_detection_rate"]:
        raise PhadtfError(f"{path}: one face found in {one:.1%} of frames, below min_detection_rate="
                          f"{params['min_detection_rate']:.0%} (no face, or face lost)")
    roll = median_roll_deg(face_tracks_raw["landmarks"][counts == 1])
    if abs(roll) > params["max_roll_deg"]:
        raise PhadtfError(f"{path}: the face is turned {roll:.0f}° in the picture (more than max_roll_deg="
                          f"{params['max_roll_deg']:g}; pixels stored sideways or upside down): rotate the video upright")
    return {**video_probe, "n_frames": n, "detection_rate": one, "multi_face_rate": several}


def extract_audio(raw_video: VideoFile, recording: dict[str, Any], params: dict[str, Any]) -> Audio:
    """The speech as 16 kHz mono, trimmed or zero-padded to exactly the 25 fps frames' duration."""
    rate = params["sample_rate"]
    samples = read_audio(raw_video.path, rate)
    length = int(round(recording["n_frames"] * rate / raw_video.fps))
    samples = samples[:length] if len(samples) >= length else np.pad(samples, (0, length - len(samples)))
    return Audio(samples.astype(np.float32), rate)


def crop_faces(raw_video: VideoFile, face_tracks_raw: dict[str, np.ndarray], recording: dict[str, Any],
               params: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Cut a stable square crop per frame; return (crops, tracks with crop boxes, crop transforms, crop landmarks)."""
    size = params["crop_size"]
    boxes = stable_boxes(face_tracks_raw["landmarks"], params["crop_margin"], params["crop_sigma_center"],
                         params["crop_sigma_size"])
    cut = [integer_box(b) for b in boxes]
    affines = np.stack([crop_affine(b, size) for b in cut])
    crops, count = cut_crops(raw_video.frames(stop=len(cut)), cut, size)
    if count != len(cut):
        raise PhadtfError(f"{raw_video.path}: decoded {count} frames on the second pass, {len(cut)} on the first")
    crop_lms = np.stack([to_crop_coords(lm, a) for lm, a in zip(face_tracks_raw["landmarks"], affines)])
    tracks = {k: v for k, v in face_tracks_raw.items() if k != "decode_errors"}
    tracks.update(crop_boxes=np.array(cut, np.int32), crop_affine=affines.astype(np.float32),
                  crop_landmarks=crop_lms.astype(np.float32), fps=np.float32(raw_video.fps),
                  frame_size=np.array([recording["width"], recording["height"]], np.int32))
    return {"crops": crops}, tracks


def audio_features(audio_16k: Audio, recording: dict[str, Any]) -> dict[str, np.ndarray]:
    """PHADTF's MFCC windows: one 28×12 window per video frame."""
    windows, rows = mfcc_windows(audio_16k.samples, recording["n_frames"], audio_16k.sample_rate)
    return {"windows": windows, "mfcc": rows}


def preprocessing_report(person_id: str, recording: dict[str, Any], face_tracks: dict[str, np.ndarray],
                         face_crops: dict[str, np.ndarray], audio_16k: Audio,
                         params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict], Any]:
    """Figures of this stage (report, MLflow metrics) and a contact sheet of crops with their landmarks."""
    crop_lms = face_tracks["crop_landmarks"]
    jaw = face_tracks["blendshapes"][:, list(face_tracks["blendshape_names"]).index("jawOpen")]
    envelope = speech_envelope(audio_16k.samples, audio_16k.sample_rate, len(jaw), float(face_tracks["fps"]))
    centers = face_tracks["crop_boxes"][:, :2] + face_tracks["crop_boxes"][:, 2:3] / 2.0
    figures = {
        "frames": int(recording["n_frames"]),
        "fps": float(face_tracks["fps"]),
        "duration_s": round(recording["n_frames"] / float(face_tracks["fps"]), 3),
        "audio_s": round(audio_16k.duration, 3),
        "detection_rate": round(recording["detection_rate"], 4),
        "landmark_jitter_px": round(jitter(crop_lms[:, RIGID_LANDMARKS, :2]), 4),
        "crop_jitter_px": round(jitter(centers.astype(np.float64)), 4),
        "crop_side_px": float(np.median(face_tracks["crop_boxes"][:, 2])),
        "jaw_speech_corr": round(correlation(jaw, envelope), 4),
    }
    report = {"person_id": person_id, "source": recording["path"], "source_fps": recording["fps"],
              "source_size": [recording["width"], recording["height"]], **figures}
    metrics = {k: {"value": float(v), "step": 0} for k, v in figures.items()}
    sheet = contact_sheet(face_crops["crops"], crop_lms, params["contact_sheet_frames"])
    return report, metrics, sheet
