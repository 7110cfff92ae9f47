"""The refinement GAN's training loop on a tiny preset: it learns (L1 falls), resumes exactly after an interruption,
and refines frames at test time from the memory."""

import cv2
import numpy as np
import pytest
import torch
from skimage import data as skdata

from phadtf_kedro.training import refinement as rf
from phadtf_kedro.models.refinement_gan import GANConfig, RefinementGAN, refine_frames
from phadtf_kedro.training.refinement import GANTrainConfig, train_gan
from tests.conftest import kill_mid_training

TINY = GANConfig(size=32, ngf=8, ndf=8, id_dim=16, key_dim=16, encoder_width=8, slots=8)


def frames(n: int = 10):
    """A moving real image (the 'real' crops) and a degraded copy (blurred, darker: the 'blended' input)."""
    face = cv2.resize(skdata.astronaut()[30:230, 130:330], (48, 48), interpolation=cv2.INTER_AREA)
    real = np.stack([np.roll(face, k, axis=1) for k in range(n)])
    blended = np.stack([(cv2.GaussianBlur(f, (0, 0), 1.5) * 0.8).astype(np.uint8) for f in real])
    return blended, real


def fresh():
    torch.manual_seed(0)
    return RefinementGAN(TINY)


def test_a_few_epochs_lower_the_l1_loss(tmp_path):
    blended, real = frames()
    history = []
    train_gan(fresh(), blended, real, GANTrainConfig(epochs=6, lr=1e-3, load_size=36, batch_size=2),
              tmp_path / "gan.safetensors", on_epoch=lambda e, l: history.append(l["l1"]))
    assert history[-1] < 0.8 * history[0]


def test_interrupted_training_resumes_where_it_stopped(tmp_path, monkeypatch):
    blended, real = frames()
    cfg = GANTrainConfig(epochs=3, lr=1e-3, load_size=36, batch_size=2, checkpoint_every=2)
    reference = fresh()
    done = train_gan(reference, blended, real, cfg, tmp_path / "reference.safetensors")

    calls = {"n": 0}
    real_step = rf._step

    def dying_step(*args):
        calls["n"] += 1
        if calls["n"] == 7:  # mid-epoch 2 (4 batches per epoch), after the checkpoint at step 6
            raise KeyboardInterrupt
        return real_step(*args)

    monkeypatch.setattr(rf, "_step", dying_step)
    path = tmp_path / "gan.safetensors"
    with pytest.raises(KeyboardInterrupt):
        train_gan(fresh(), blended, real, cfg, path)
    monkeypatch.setattr(rf, "_step", real_step)
    resumed = fresh()
    result = train_gan(resumed, blended, real, cfg, path)
    assert result["resumed_from_step"] == 6 and result["steps"] == done["steps"] == 12
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)


def test_refine_frames_uses_the_memory(tmp_path):
    blended, real = frames()
    model = fresh()
    train_gan(model, blended, real, GANTrainConfig(epochs=2, load_size=36, batch_size=2), tmp_path / "g.safetensors")
    out = refine_frames(model, blended, np.arange(1, 9))
    assert out.shape == (8, 32, 32, 3) and out.dtype == np.uint8
    assert int((model.memory.age == 0).sum()) >= 1  # slots were written during training


KILL_SCRIPT = """
import sys, time
from tests.training.test_refinement import frames, fresh, KILL_CFG
from phadtf_kedro.training.refinement import train_gan
train_gan(fresh(), *frames(), KILL_CFG, sys.argv[1], on_epoch=lambda e, l: time.sleep(0.3))
"""
KILL_CFG = GANTrainConfig(epochs=4, lr=1e-3, load_size=36, batch_size=2, checkpoint_every=2)


@pytest.mark.slow
def test_kill_9_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path):
    blended, real = frames()
    reference = fresh()
    done = train_gan(reference, blended, real, KILL_CFG, tmp_path / "reference.safetensors")
    path = tmp_path / "gan.safetensors"
    stopped = kill_mid_training(KILL_SCRIPT, path, min_epoch=1)
    assert 0 < stopped["step"] < done["steps"], "killed too late to test resuming"
    resumed = fresh()
    result = train_gan(resumed, blended, real, KILL_CFG, path)
    assert result["resumed_from_step"] == stopped["step"] and result["steps"] == done["steps"]
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
