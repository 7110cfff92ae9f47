"""`refinement.train: auto`: the GAN is trained only where generation's path can use it. With the warped lower face
(the default) the refinement stage trains nothing, writes no checkpoint, records the blended path and why, and
reports the blended frames only; `always` and the render path still train."""

from __future__ import annotations

import numpy as np
import pytest

from phadtf_kedro.pipelines.refinement import nodes
from phadtf_kedro.synthesis.gate import gan_trained
from phadtf_kedro.synthesis.stream import chosen_path

WARP = {"paste_region": "lower_face", "lower_face": "warp"}
RENDER = {"paste_region": "lower_face", "lower_face": "render"}
FACE = {"paste_region": "face", "lower_face": "warp"}
NETWORK = {"size": 32, "ngf": 4, "ndf": 4, "id_dim": 8, "key_dim": 8, "encoder_width": 4, "slots": 4, "top_k": 2,
           "threshold": 0.5, "margin": 0.1}
GATE = {"validation_fraction": 0.1, "min_frames": 2}


def test_the_gan_is_trained_where_generation_can_use_it():
    assert not gan_trained("auto", WARP)
    assert gan_trained("auto", RENDER) and gan_trained("auto", FACE) and gan_trained("always", WARP)
    with pytest.raises(ValueError, match="refinement.train"):
        gan_trained("sometimes", WARP)


def test_an_untrained_refiner_leaves_no_checkpoint_and_the_blended_path(tmp_path):
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 255, (12, 48, 48, 3), np.uint8)
    blended_train = {"frames": np.arange(10), "blended": crops[:10]}
    resume = tmp_path / "refinement_resume.safetensors"
    model, history = nodes.train_refinement_gan(blended_train, {"crops": crops}, resume, NETWORK, {}, GATE, "auto",
                                                WARP)
    assert history == {} and not resume.exists()
    gate, metrics = nodes.gate_refinement(model, blended_train, {"crops": crops}, GATE, "auto", WARP)
    assert gate["path"] == "blended" and gate["trained"] is False and "lower_face is 'warp'" in gate["reason"]
    assert metrics["uses_gan"]["value"] == 0.0 and chosen_path(gate, RENDER) == "blended"

    held = {"blended": crops[10:], "frames": np.arange(10, 12)}
    renders = {"rgba": np.zeros((12, 48, 48, 4), np.float32)}
    refined = nodes.refine_heldout(model, held, renders, {"crops": crops}, {"erode_px": 1, "feather_sigma": 1.0}, gate)
    assert (refined["refined"] == held["blended"]).all() and not refined["trained"]
    report, logged, _ = nodes.refinement_report(refined, held, {"crops": crops}, {"contact_sheet_frames": 2})
    assert report["gan_trained"] is False and "refined_psnr" not in report and "blended_psnr" in logged
