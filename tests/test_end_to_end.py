"""The README's main job on a fresh project: make the demo person, the user's exact finetune command, then generate
a video of the demo person saying a sentence it never said."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest
import soundfile as sf

from phadtf_kedro.video.ffmpeg import probe
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_demo_person_end_to_end(project):
    made = run_cli(project, "--pipelines=demo_sample")
    assert made.returncode == 0, made.stderr[-2000:]
    demo = project / "data" / "01_raw" / "videos" / "demo.mp4"
    info = probe(demo)
    assert info.duration >= 15 and info.fps == 25 and info.has_audio

    # the user's command, with the tests' preset (the base `small` preset trains the GAN for ~10 min on this CPU)
    result = run_cli(project, "--pipeline=finetune", "--env=tiny", "--params", "person_id=demo")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((project / "data" / "08_reporting" / "demo" / "preprocessing.json").read_text())
    assert report["detection_rate"] >= 0.95  # the same check a real video must pass
    assert report["frames"] == round(info.duration * 25)
    assert report["jaw_speech_corr"] > 0.3  # the mouth is driven by the speech, and the tracker sees it
    with np.load(project / "data" / "04_feature" / "demo" / "mfcc_windows.npz") as feats:
        assert feats["windows"].shape == (report["frames"], 28, 12)
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("phadtf_kedro").experiment_id],
                              filter_string="params.person_id = 'demo' and attributes.run_name = 'finetune · demo'")
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"
    # finetune goes on through reconstruction and rendering (demo measured 0.19 px, 24.5 dB held-out)
    recon = json.loads((project / "data" / "08_reporting" / "demo" / "reconstruction.json").read_text())
    assert recon["reprojection_px_heldout"] <= 1.0 and recon["photometric_psnr_heldout"] >= 22.0
    with np.load(project / "data" / "07_model_output" / "demo" / "renders.npz") as renders:
        assert renders["rgba"].shape == (report["frames"], 256, 256, 4)
    metrics = runs[0].data.metrics
    assert {"reconstruction.reprojection_px_train", "rendering.render_psnr_heldout"} <= set(metrics)
    motion = json.loads((project / "data" / "08_reporting" / "demo" / "audio_motion.json").read_text())
    # the start gate chose between the shipped general weights (offline) and training from scratch
    assert motion["start"] in ("scratch", "general:phadtf_kedro/assets/atcnet_general.safetensors")
    assert {"start_gate_general_pose_hs", "start_gate_scratch_pose_hs"} <= set(motion)  # ATCNet gives the pose
    assert motion["heldout_frames"] == report["frames"] - 300
    assert np.isfinite(metrics["audio_motion.expression_mse"]) and np.isfinite(metrics["audio_motion.jaw_corr"])
    assert {"evaluation.ours.lmd", "evaluation.static.lmd", "evaluation.replay.sync_corr", "evaluation.ours.hs",
            "refinement.refined_psnr"} <= set(metrics)

    # the second README command: the demo person says data/01_raw/audio/demo.wav (written by demo_sample)
    speech = project / "data" / "01_raw" / "audio" / "demo.wav"
    generated = run_cli(project, "--pipelines=generate", "--env=tiny", "--params", "person_id=demo,audio=demo")
    assert generated.returncode == 0, generated.stderr[-2000:]
    audio_s = sf.info(str(speech)).duration
    for name in ("video", "crop", "preview"):
        out = probe(project / "data" / "07_model_output" / "demo" / "generated" / "demo" / "videos" / f"{name}.mp4")
        assert (out.video_codec, out.audio_codec, out.fps) == ("h264", "aac", 25)
        assert abs(out.duration - audio_s) <= 0.07  # ±1 frame, plus AAC's padding
    gen_runs = client.search_runs([runs[0].info.experiment_id],
                                  filter_string="attributes.run_name = 'generate · demo ← demo'")
    assert len(gen_runs) == 1 and gen_runs[0].data.metrics["generate.frames"] == round(audio_s * 25)


def test_demo_video_is_deterministic(tmp_path):
    from phadtf_kedro.sample.demo import make_demo_clip

    a = make_demo_clip("Hello there.", min_seconds=1.0)
    b = make_demo_clip("Hello there.", min_seconds=1.0)
    assert np.array_equal(a.audio, b.audio)
    fa, fb = list(a.frames()), list(b.frames())
    assert len(fa) == len(fb) >= 25 and all(np.array_equal(x, y) for x, y in zip(fa, fb))
    assert np.abs(fa[0].astype(int) - fa[len(fa) // 2]).mean() > 0.5  # it moves
