"""Generation nodes: driving audio → ATCNet motion → plan (coefficients, pose-matched backgrounds) → the streamed
render → blend → refine → paste-back video, encoded with the audio muxed in."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.audio.mfcc import mfcc_window_chunks
from phadtf_kedro.face.model import FaceModel
from phadtf_kedro.metrics.image import at_size
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.models.ridge_expression import uses_ridge, with_ridge_expression
from phadtf_kedro.progress import Progress
from phadtf_kedro.synthesis.output import TalkingVideo
from phadtf_kedro.synthesis.paste import on_backgrounds, pasted
from phadtf_kedro.synthesis.plan import plan_from_prediction
from phadtf_kedro.synthesis.stream import chosen_path, synthesizer
from phadtf_kedro.models.refinement_gan import RefinementGAN
from phadtf_kedro.video.ffmpeg import VideoFile, probe

FPS = 25.0
MOTION_CHUNK = 250  # frames (10 s) of audio → motion at a time
PREVIEW_SIZE = 256  # side of crop.mp4 and of each panel of preview.mp4
log = logging.getLogger(__name__)


def driven_motion(atcnet: ATCNet, expression_ridge: dict[str, np.ndarray],
                  driving_audio: Audio) -> dict[str, np.ndarray]:
    """ATCNet's pose and the person's expression model's blendshapes (T, 58) for every 25 fps frame of the audio
    (T = its duration × 25, rounded).

    Streamed: MOTION_CHUNK frames of MFCC windows at a time through ATCNet with its LSTM state carried, so memory
    stays flat in the audio's length (one pass over 10 min of speech peaked at 3.1 GB) and the result is the one pass's.
    The ridge regressor normalises over the whole utterance, so it keeps only the window rows it reads (1 KB a frame)
    and predicts once at the end."""
    n_frames = max(1, int(round(driving_audio.duration * FPS)))
    chunks = mfcc_window_chunks(driving_audio.samples, n_frames, MOTION_CHUNK, driving_audio.sample_rate)
    ridge = uses_ridge(expression_ridge)
    lo, hi = (int(r) for r in expression_ridge["rows"]) if ridge else (0, 0)
    kept: list[np.ndarray] = []

    def feed(chunk: np.ndarray) -> torch.Tensor:
        if ridge:
            kept.append(chunk[:, lo:hi].copy())
        return torch.from_numpy(chunk)

    with torch.inference_mode():
        predicted = np.concatenate([p.numpy() for p in atcnet.predict_stream(map(feed, chunks))])
    if ridge:  # the rows kept sit at 0…(hi − lo) of the regressor's own window
        rows = {**expression_ridge, "rows": np.array([0, hi - lo])}
        predicted = with_ridge_expression(predicted, rows, np.concatenate(kept))
    return {"predicted": predicted.astype(np.float32)}


def plan_generation(motion: dict[str, np.ndarray], face_coefficients: dict[str, np.ndarray],
                    calibration: dict[str, np.ndarray], generation: dict[str, Any],
                    blending: dict[str, Any]) -> dict[str, np.ndarray]:
    """Per generated frame: its coefficients (ATCNet's output, amplitude-calibrated for the person) and the training
    frame it is blended onto."""
    return plan_from_prediction(motion["predicted"], face_coefficients, generation["pose_source"],
                                generation["pose_amplitude"], blending["search_window"], blending["hanning_taps"],
                                calibration=calibration, speed=blending["match_speed"],
                                head_speed_quantile=blending["head_speed_quantile"], pace=blending["pace"])


def synthesize_video(face_model: dict[str, np.ndarray], refinement_gan: RefinementGAN,
                     refinement_gate: dict[str, Any], face_coefficients: dict[str, np.ndarray],
                     face_tracks: dict[str, np.ndarray], raw_video: VideoFile, plan: dict[str, np.ndarray],
                     driving_audio: Audio, blending: dict[str, Any], params: dict[str, Any]) -> TalkingVideo:
    """The video, produced while it is encoded (see synthesis/): never more than a chunk of frames in memory. The
    refined or the blended path, as the person's refinement gate decided."""
    synth = synthesizer(FaceModel.from_arrays(face_model, "face_model"), refinement_gan, face_coefficients,
                        face_tracks, blending, params, chosen_path(refinement_gate, params))
    boxes = face_tracks["crop_boxes"]

    def frames():
        progress = Progress(log, "generating", len(plan["background"]), "frames")
        for f, background in on_backgrounds(synth, plan, raw_video):
            progress.update(f.index + 1)
            full = pasted(f, "refined", background, boxes[f.background], params["seamless"])
            render, blended = (at_size(x[None], PREVIEW_SIZE)[0] for x in (f.rgba[..., :3], f.blended))
            crop = blended if f.refined is f.blended else at_size(f.refined[None], PREVIEW_SIZE)[0]
            yield full, crop, np.concatenate([render, blended, crop], axis=1)

    return TalkingVideo(frames, FPS, driving_audio.samples, driving_audio.sample_rate)


def generation_report(person_id: str, audio_name: str, videos: dict[str, str], plan: dict[str, np.ndarray],
                      driving_audio: Audio) -> tuple[dict, dict]:
    """What was made: frames, the audio's and each file's duration and codecs, how far backgrounds had to jump."""
    report: dict[str, Any] = {"person_id": str(person_id), "audio": str(audio_name), "frames": int(len(plan["background"])),
                              "audio_duration_s": round(driving_audio.duration, 3)}
    for name, path in videos.items():
        info = probe(path)
        report[name] = {"path": path, "duration_s": info.duration, "width": info.width, "height": info.height,
                        "video_codec": info.video_codec, "audio_codec": info.audio_codec}
    jumps = np.abs(np.diff(plan["background"].astype(int)))
    report["background_max_jump"] = int(jumps.max()) if len(jumps) else 0
    figures = {"frames": report["frames"], "audio_duration_s": report["audio_duration_s"],
               "video_duration_s": report["video"]["duration_s"], "background_max_jump": report["background_max_jump"]}
    return report, {k: {"value": float(v), "step": 0} for k, v in figures.items()}
