"""Blending on the real clip 31.mp4 (tiny preset): training frames over themselves, held-out frames over matched
training backgrounds, and the figures refinement must beat."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phadtf_kedro.metrics.image import psnr
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow


def test_training_frames_blend_onto_themselves(run31):
    blended = load31(run31, "05_model_input", "blended_train.npz")
    crops = load31(run31, "02_intermediate", "face_crops.npz")["crops"]
    assert blended["blended"].shape == (300, 256, 256, 3) and (blended["frames"] == np.arange(300)).all()
    # outside the face the crop itself, inside the render (26–28 dB there): the whole crop is close to the real one
    assert psnr(blended["blended"][::20], crops[:300:20]) > 29.0


def test_heldout_frames_get_pose_matched_training_backgrounds(run31):
    matched = load31(run31, "05_model_input", "heldout_backgrounds.npz")
    assert (matched["frames"] == np.arange(300, 607)).all()
    assert (matched["background"] < 300).all()  # only training frames serve as backgrounds
    assert np.abs(np.diff(matched["background"])).max() <= 25  # search_window: the background never jumps far
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "blending.json").read_text())
    assert report["heldout_frames"] == 307 and report["background_pose_l1_deg"] < 10.0  # measured 8.3 (window 25)
    assert 12.0 < report["heldout_psnr"] < 30.0 and 0.3 < report["heldout_ssim"] < 1.0
    client, run = finetune_run(run31)
    assert run.data.metrics["blending.heldout_psnr"] == pytest.approx(report["heldout_psnr"])
    assert "blending/blending_contact_sheet.png" in [a.path for a in client.list_artifacts(run.info.run_id,
                                                                                            "blending")]
