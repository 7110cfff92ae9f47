"""Evaluation nodes: the held-out frames (after the training part), driven by their own audio, one row per way of
making them (see `phadtf_kedro.evaluation.plan`: ours end to end, blended, ours_real_pose, mismatched, static,
replay, real), every row measured the same way (`evaluation.frames`, `evaluation.table`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.evaluation.frames import hull_mask, row_frames
from phadtf_kedro.evaluation.plan import ROWS, heldout_frames, row_plans
from phadtf_kedro.evaluation.table import evaluation_rows, undefined_notes
from phadtf_kedro.face.fan_landmarks import fan_tracks
from phadtf_kedro.face.model import FaceModel
from phadtf_kedro.face.pose import matrix_to_pose
from phadtf_kedro.face.sheet import comparison_sheet
from phadtf_kedro.face.tracker import FaceTracker, resolve_model_path
from phadtf_kedro.metrics.mouth import mouth_opening
from phadtf_kedro.metrics.plots import evaluation_figure
from phadtf_kedro.metrics.sync import audio_onsets, speech_envelope
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.pipelines.generate.nodes import driven_motion, plan_generation
from phadtf_kedro.synthesis.stream import chosen_path, synthesizer
from phadtf_kedro.models.refinement_gan import RefinementGAN
from phadtf_kedro.video.ffmpeg import VideoFile


def evaluation_plan(atcnet: ATCNet, expression_ridge: dict[str, np.ndarray], atcnet_calibration: dict[str, np.ndarray],
                    face_coefficients: dict[str, np.ndarray], audio_16k: Audio, generation: dict[str, Any],
                    blending: dict[str, Any], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """What every row shows on the held-out frames; `ours` goes through generate's own motion and plan nodes."""
    held = heldout_frames(face_coefficients, params["max_frames"])
    if len(held) == 0:  # a video of train_seconds or less
        return {"frames": held}
    return row_plans(held, face_coefficients, audio_16k,
                     lambda audio: driven_motion(atcnet, expression_ridge, audio),
                     lambda motion: plan_generation(motion, face_coefficients, atcnet_calibration, generation,
                                                    blending), blending,
                     reassign=generation["pose_source"] == "matched")


def evaluation_frames(face_model: dict[str, np.ndarray], refinement_gan: RefinementGAN,
                      refinement_gate: dict[str, Any], face_coefficients: dict[str, np.ndarray],
                      face_tracks: dict[str, np.ndarray], raw_video: VideoFile, plan: dict[str, np.ndarray],
                      blending: dict[str, Any], generate: dict[str, Any], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every row's frames at full resolution, cut to `crop_size`² crops, with per-frame sharpness. `ours` takes the
    path the refinement gate chose, as generate does; `blended` is always the GAN-free path."""
    size = params["crop_size"]
    if len(plan["frames"]) == 0:
        return {key: np.zeros((0, size, size, 3) if key in ROWS else (0,)) for row in ROWS
                for key in (row, f"sharpness.{row}")}
    synth = synthesizer(FaceModel.from_arrays(face_model, "face_model"), refinement_gan, face_coefficients,
                        face_tracks, blending, generate, chosen_path(refinement_gate, generate))
    return row_frames(synth, raw_video, plan, face_tracks, size, generate)


def track_evaluation_frames(frames: dict[str, np.ndarray], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """MediaPipe on every row's crops: `<row>` landmarks (T, 478, 3) px, `pose.<row>` (T, 6) (NaN: no face) and
    `faces.<row>` (T,) faces found (up to 2)."""
    model = resolve_model_path(params["face_landmarker_model"])
    out = {}
    for row in ROWS:
        with FaceTracker(model, max_faces=2) as tracker:  # 2: a doubled face in a generated frame is counted
            tracks = tracker.track(frames[row])
        poses = np.full((len(tracks.transform), 6), np.nan)
        found = np.isfinite(tracks.transform).all(axis=(1, 2))
        poses[found] = matrix_to_pose(tracks.transform[found])
        out[row], out[f"pose.{row}"] = tracks.landmarks.astype(np.float32), poses.astype(np.float32)
        out[f"faces.{row}"] = tracks.num_faces.astype(np.int32)
    if params["landmarks"] == "fan":  # LMD on face-alignment's 68 points instead (face/fan_landmarks.py)
        out.update(fan_tracks({row: frames[row] for row in ROWS}))
    return out


def evaluation_table(frames: dict[str, np.ndarray], tracks: dict[str, np.ndarray], plan: dict[str, np.ndarray],
                     audio_16k: Audio, refinement_gate: dict[str, Any], generate: dict[str, Any],
                     params: dict[str, Any]) -> tuple[dict, dict, Any, Any]:
    """`table.<row>.<metric>` for every row and metric (evaluation.table), MLflow metrics, plots, contact sheet."""
    held = plan["frames"]
    if len(held) == 0:
        blank = Image.new("RGB", (64, 64))
        return {"heldout_frames": 0}, {}, blank, blank
    start = int(round(held[0] * audio_16k.sample_rate / 25.0))
    speech = audio_16k.samples[start:start + int(round(len(held) * audio_16k.sample_rate / 25.0))]
    envelope = speech_envelope(speech, audio_16k.sample_rate, len(held))
    onsets = audio_onsets(speech, audio_16k.sample_rate, len(held))
    size = frames["real"].shape[1]
    face = np.stack([hull_mask(points, size) for points in tracks["real"]])
    mouths = {row: mouth_opening(tracks[row]) for row in ROWS}
    poses = {row: tracks[f"pose.{row}"].astype(np.float64) for row in ROWS}
    table = evaluation_rows(frames, tracks, poses, mouths, face, envelope, onsets, params)
    for row in ROWS:  # no doubled features: exactly one face where the tracker looks
        table[row]["one_face"] = float(np.mean(tracks[f"faces.{row}"] == 1))
    report = {"heldout_frames": int(len(held)), "refinement_path": chosen_path(refinement_gate, generate),
              "refinement_gate": str(refinement_gate.get("reason", "")), "lower_face": generate["lower_face"],
              "table": table,
              "notes": {**undefined_notes(table),
                        "rows": "ours: generate's path end to end (ATCNet expression and pose, background plan, "
                                "render, blend, refine if the refinement gate chose it, paste-back of the lower face) driven by the "
                                "held-out audio; blended: ours without the GAN; ours_real_pose: ATCNet expression with the real head pose; "
                                "mismatched: ours driven by the training part's audio; static: the last training "
                                "frame; replay: the training frames played back; real: the held-out video",
                        "measured": f"every row pasted into full frames, cut at its head's crop box to "
                                    f"{size}² and tracked by MediaPipe the same way; head angles from that tracker; "
                                    "sharpness at the real face's native size",
                        "hs": f"mean over pitch/yaw/roll of the histogram intersection of row vs real angles "
                              f"({params['hs_bin_deg']}° bins); hs_velocity: the same on frame-to-frame changes "
                              f"({params['hs_velocity_bin_deg']}° bins)",
                        "lmd": f"mean lip-landmark distance after a similarity alignment, px at {size}², "
                               f"{params['landmarks']} landmarks"}}
    metrics = {f"{row}.{k}": {"value": v, "step": 0} for row, values in table.items() for k, v in values.items()
               if v is not None}
    figure = evaluation_figure(poses["real"], {"ours": poses["ours"]},
                               {k: mouths[k] for k in ("real", "ours", "mismatched")}, envelope)
    picks = np.linspace(0, len(held) - 1, min(params["contact_sheet_frames"], len(held))).round().astype(int)
    sheet = comparison_sheet([[frames[row][i] for row in ROWS] for i in picks], list(ROWS), [int(held[i]) for i in picks])
    return report, metrics, figure, sheet
