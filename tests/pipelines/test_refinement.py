"""Refinement on the real clip 31.mp4 (tiny preset: one epoch of a small GAN): the stage trains, refines every
held-out blend, and reports refined vs blended against the real crops."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phadtf_kedro.datasets import RefinementGANDataset
from phadtf_kedro.training.checkpoint import read_meta
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow


def test_heldout_frames_are_refined_and_measured(run31):
    refined = load31(run31, "07_model_output", "refined_heldout.npz")
    # refined at the crops' size (256²): the 64² GAN's correction added to the blended crop, as generation does it
    assert refined["refined"].shape == (307, 256, 256, 3) and (refined["frames"] == np.arange(300, 607)).all()
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "refinement.json").read_text())
    for name in ("refined_psnr", "blended_psnr", "refined_ssim", "blended_ssim", "own_refined_psnr", "own_blended_psnr",
                 "own_refined_ssim", "own_blended_ssim"):
        assert np.isfinite(report[name])
    client, run = finetune_run(run31)
    assert run.data.metrics["refinement.blended_psnr"] == pytest.approx(report["blended_psnr"])
    assert len(client.get_metric_history(run.info.run_id, "refinement.train.l1")) == 1  # one epoch (tiny)
    assert "refinement/samples/epoch_001.png" in [a.path for a in client.list_artifacts(run.info.run_id,
                                                                                        "refinement/samples")]
    assert "refinement/refinement_contact_sheet.png" in [a.path for a in client.list_artifacts(run.info.run_id,
                                                                                                "refinement")]


def test_the_gate_judges_on_training_frames_the_gan_never_saw(run31):
    gate = json.loads((run31 / "data" / "06_models" / "31" / "refinement_gate.json").read_text())
    assert gate["path"] in ("refined", "blended") and gate["frames"] == 30  # the last 10 % of 300 training frames
    wins = gate["refined_psnr"] > gate["blended_psnr"] and gate["refined_ssim"] > gate["blended_ssim"]
    assert gate["path"] == ("refined" if wins else "blended") and gate["reason"].startswith("refining")
    _, run = finetune_run(run31)
    assert run.data.metrics["refinement.gate.uses_gan"] == float(gate["path"] == "refined")
    # the GAN trained on the first 270 training frames only
    meta = read_meta(run31 / "data" / "06_models" / "31" / "refinement_resume.safetensors")
    assert meta["frames"] == [270, 0, 269]


def test_the_trained_gan_reloads_with_its_memory(run31):
    model = RefinementGANDataset(str(run31 / "data" / "06_models" / "31" / "refinement_gan.safetensors")).load()
    assert model.config.size == 64 and int((model.memory.age == 0).sum()) >= 1
