"""generate on the real person 31 (tiny preset, from the finetune fixture) driven by 3 s of GRID speech: the videos
exist, play in a browser (H.264 + AAC), last as long as the audio, and the run is logged; bad audio stops in one line."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from phadtf_kedro.datasets import RefinementGANDataset
from phadtf_kedro.face.model import FaceModel
from phadtf_kedro.metrics.mouth import LIPS
from phadtf_kedro.synthesis.paste import background_frames, pasted
from phadtf_kedro.synthesis.stream import synthesizer
from phadtf_kedro.video.ffmpeg import VideoFile, probe
from tests.conftest import SHARED_DATA, run_cli, run_session, shared
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow
GRID = SHARED_DATA / "audio" / "grid_lwbsza_3s.wav"


@pytest.fixture(scope="module")
def generated31(run31):
    audio = run31 / "data" / "01_raw" / "audio" / "grid.wav"
    audio.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shared(GRID), audio)
    run_session(run31, "generate", env="tiny", person_id="31", audio="grid")
    return run31


def test_generated_videos_play_with_the_audio(generated31):
    folder = generated31 / "data" / "07_model_output" / "31" / "generated" / "grid" / "videos"
    audio_s = sf.info(str(GRID)).duration
    sizes = {"video": (1280, 720), "crop": (256, 256), "preview": (768, 256)}
    for name, size in sizes.items():
        info = probe(folder / f"{name}.mp4")
        assert (info.video_codec, info.audio_codec) == ("h264", "aac")
        assert (info.width, info.height) == size
        assert abs(info.duration - audio_s) <= 0.04 + 0.03  # ±1 frame, plus AAC's frame padding
    report = json.loads((generated31 / "data" / "08_reporting" / "31" / "generate_grid.json").read_text())
    assert report["frames"] == round(audio_s * 25)
    client, run = finetune_run(generated31, "generate")
    assert run.data.metrics["generate.frames"] == report["frames"]
    logged = [a.path for a in client.list_artifacts(run.info.run_id, "generate/grid")]
    assert {"generate/grid/video.mp4", "generate/grid/crop.mp4", "generate/grid/preview.mp4"} <= set(logged)
    plan = load31(generated31, "07_model_output", "generated/grid/plan.npz")
    coefficients = load31(generated31, "04_feature", "coefficients.npz")
    assert coefficients["train"][plan["background"]].all()  # backgrounds only ever come from the training frames
    # the face is rendered where the background frame's head is, in its light
    on_bg = coefficients["coefficients"][plan["background"]]
    assert np.allclose(plan["coefficients"][:, 55:], on_bg[:, 55:], atol=1e-5)


def test_streaming_in_chunks_equals_one_pass(generated31):
    """The chunked refinement (one frame of context across chunk edges) gives exactly the frames of a single pass
    (the rendered lower face, refined: the path that has a GAN)."""
    data = generated31 / "data"
    plan = load31(generated31, "07_model_output", "generated/grid/plan.npz")
    coeffs, background = plan["coefficients"][:20], plan["background"][:20]
    gan = RefinementGANDataset(str(data / "06_models" / "31" / "refinement_gan.safetensors")).load()
    model = FaceModel.from_arrays(load31(generated31, "06_models", "face_model.npz"))
    coefficients = load31(generated31, "04_feature", "coefficients.npz")
    tracks = load31(generated31, "03_primary", "face_tracks.npz")
    full = background_frames(VideoFile(str(data / "01_raw" / "videos" / "31.mp4")), background)
    params = {"max_size": 768, "chunk": 3, "mask_grow_px": 8, "paste_region": "lower_face", "lower_face": "render",
              "mouth_interior": "retrieved", "mouth_margin": 0.05, "surround": "none",
              "warp_space": "crop", "resampling": "linear", "own_lips": "model"}
    blending = {"samples": 4, "erode_px": 2, "feather_sigma": 2.0}
    outs = [np.stack([f.refined for f in synthesizer(model, gan, coefficients, tracks, blending, {**params, "chunk": c})
                      .frames(coeffs, background, full)]) for c in (3, 100)]
    side = int(np.ceil(np.median(tracks["crop_boxes"][:, 2]) / 8) * 8)  # synthesized at the face's own size
    assert outs[0].shape == (20, side, side, 3)
    diff = np.abs(outs[0].astype(int) - outs[1])
    # identical up to float rounding between batch sizes (seen: one channel value off by 1 in 20 frames); a wrong
    # neighbour at a chunk edge would change whole frames
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3


def test_bad_driving_audio_stops_in_one_line_and_keeps_the_video(generated31):
    video = generated31 / "data" / "07_model_output" / "31" / "generated" / "grid" / "videos" / "video.mp4"
    before = video.read_bytes()
    missing = run_cli(generated31, "--pipelines=generate", "--env=tiny", "--params", "person_id=31,audio=nothing")
    assert missing.returncode != 0 and "data/01_raw/audio/nothing.wav: driving audio not found" in missing.stderr
    silent = generated31 / "data" / "01_raw" / "audio" / "grid.wav"
    sf.write(silent, np.zeros(16000, np.float32), 16000)
    result = run_cli(generated31, "--pipelines=generate", "--env=tiny", "--params", "person_id=31,audio=grid")
    assert result.returncode != 0 and "grid.wav: audio is silent" in result.stderr
    assert "Traceback" not in result.stderr
    assert video.read_bytes() == before


def test_a_lower_face_warped_in_the_frame_that_does_not_move_is_the_video_itself(generated31):
    """`warp_space: frame`: the lower face is moved where it is in the video frame, so a frame whose expression is
    the background's own comes out bit for bit; `crop` cuts, warps and pastes back, resampling it on the way."""
    data = generated31 / "data"
    plan = load31(generated31, "07_model_output", "generated/grid/plan.npz")
    background = plan["background"][:6]
    model = FaceModel.from_arrays(load31(generated31, "06_models", "face_model.npz"))
    coefficients = load31(generated31, "04_feature", "coefficients.npz")
    tracks = load31(generated31, "03_primary", "face_tracks.npz")
    gan = RefinementGANDataset(str(data / "06_models" / "31" / "refinement_gan.safetensors")).load()
    full = background_frames(VideoFile(str(data / "01_raw" / "videos" / "31.mp4")), background)
    own = coefficients["coefficients"][background]
    params = {"max_size": 768, "chunk": 32, "mask_grow_px": 8, "paste_region": "lower_face", "lower_face": "warp",
              "mouth_interior": "retrieved", "mouth_margin": 0.05, "surround": "faded", "resampling": "cubic",
              "own_lips": "model"}
    blending = {"samples": 4, "erode_px": 2, "feather_sigma": 2.0}
    unchanged = {}
    for space in ("frame", "crop"):
        synth = synthesizer(model, gan, coefficients, tracks, blending, {**params, "warp_space": space})
        frames = [pasted(f, "refined", full[f.background], tracks["crop_boxes"][f.background], False)
                  for f in synth.frames(own, background, full)]
        unchanged[space] = [np.array_equal(f, full[int(b)]) for f, b in zip(frames, background)]
    assert all(unchanged["frame"])
    assert not any(unchanged["crop"])
    # `own_lips: tracked`: the lips take the model's shape for the frame's own expression instead of the one the
    # tracker saw, so pixels move, and only around the mouth
    tracked = {**params, "warp_space": "frame", "own_lips": "tracked"}
    synth = synthesizer(model, gan, coefficients, tracks, blending, tracked)
    moved = 0
    for f in synth.frames(own, background, full):
        changed = (f.full != full[f.background]).any(axis=2)
        lips = tracks["landmarks"][f.background, LIPS, :2]
        margin = 0.15 * tracks["crop_boxes"][f.background, 2]
        (x0, y0), (x1, y1) = lips.min(axis=0) - margin, lips.max(axis=0) + margin
        ys, xs = np.nonzero(changed)
        assert ((xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)).all()
        moved += bool(changed.any())
    assert moved == len(background)
