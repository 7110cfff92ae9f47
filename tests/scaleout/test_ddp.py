"""Data-parallel training (training/distributed.py): two gloo ranks give the weights, BatchNorm statistics and loss
curve of one process with the same global batch, within float tolerance; one rank is unchanged by the DDP support."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.training.distributed import Parallel, spawn_train
from phadtf_kedro.training.motion import Sequences, TrainConfig, train

NETWORK = ATCNetConfig(conv_channels=(8, 8, 16, 16, 16), fc=(32, 32), lstm_hidden=32, lstm_layers=2, dropout=0.0)


def speech_like(rng: np.random.Generator, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """MFCC windows with speech's scale (c0 large, higher coefficients small, smooth in time) and targets that move
    smoothly: blendshape scores in [0, 1], head angles of a few degrees, a translation of centimetres."""
    scale = np.linspace(8.0, 0.5, 12)
    windows = np.cumsum(rng.normal(0, 0.3, (frames + 27, 12)), axis=0) * 0.2 + rng.normal(0, 1, (frames + 27, 12))
    windows = np.stack([windows[t:t + 28] for t in range(frames)]) * scale
    expression = 1 / (1 + np.exp(-np.cumsum(rng.normal(0, 0.2, (frames, 52)), axis=0)))
    pose = np.cumsum(rng.normal(0, 0.01, (frames, 6)), axis=0) * np.array([5, 5, 5, 1, 1, 1])
    return windows.astype(np.float32), np.concatenate([expression, pose], 1).astype(np.float32)


@pytest.fixture(scope="module")
def material():
    rng = np.random.default_rng(7)
    pairs = [speech_like(rng, n) for n in (61, 47, 38)]  # three "persons" of different lengths
    data = Sequences([w for w, _ in pairs], [t for _, t in pairs])
    # 26 clips of 8 frames every 5: batches of 5 leave a last batch of 1, so one rank's share of it is empty
    cfg = TrainConfig(epochs=2, lr=1e-3, batch_size=5, clip_frames=8, clip_stride=5, checkpoint_every=2)
    assert len(data.clip_starts(cfg.clip_frames, cfg.clip_stride)) % cfg.batch_size == 1
    torch.manual_seed(0)
    model = ATCNet(NETWORK)
    model.set_target_stats(*data.stats())
    return data, cfg, model


def test_share_splits_every_batch_exactly():
    for n in range(1, 12):
        for world in (1, 2, 3):
            shares = [Parallel(r, world, None).share(n) for r in range(world)]
            assert shares[0][0] == 0 and shares[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(shares, shares[1:]))


def test_two_ranks_equal_one(material, tmp_path):
    data, cfg, model = material
    one, two = copy.deepcopy(model), copy.deepcopy(model)
    curve: dict[int, dict] = {}
    result_one = train(one, data, cfg, tmp_path / "one.safetensors", {"t": 1}, lambda e, l: curve.__setitem__(e, l))
    epochs, result_two = spawn_train(two, data, cfg, tmp_path / "two.safetensors", {"t": 1}, world_size=2,
                                     backend="gloo")
    assert result_two == result_one and result_one["steps"] == 2 * 6
    assert sorted(epochs) == sorted(curve) == [1, 2]
    for epoch in curve:
        for key in ("loss", "expression_mse", "pose_mse"):
            assert epochs[epoch][key] == pytest.approx(curve[epoch][key], rel=1e-4)
    a, b = one.state_dict(), two.state_dict()
    assert a.keys() == b.keys()
    moved = [k for k in a if a[k].is_floating_point() and not torch.equal(a[k], model.state_dict()[k])]
    assert len(moved) > 20  # weights and BatchNorm running statistics all trained
    # A convolution's bias just before BatchNorm has no gradient (BN removes it) but float noise, which Adam scales
    # to lr-sized steps whatever the summation order; BN's running mean follows it, so the outputs do not move.
    cancelled = {k for k in a if k.startswith("audio_conv.") and (k.endswith("running_mean") or (
        k.endswith(".bias") and a[k.removesuffix("bias") + "weight"].dim() == 4))}
    assert len(cancelled) == 10
    for key in sorted(a.keys() - cancelled):
        torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=2e-5, msg=key)
    one.eval(), two.eval()
    for windows in data.windows:
        heard = torch.as_tensor(windows)
        torch.testing.assert_close(two.predict(heard), one.predict(heard), rtol=1e-4, atol=2e-5)
    assert not (tmp_path / "two.safetensors").with_suffix(".best.safetensors").exists()
    assert (tmp_path / "two.safetensors").is_file()  # rank 0 checkpointed


def test_one_rank_path_is_unchanged(material, tmp_path):
    """train() without `parallel` is the single-process code path: the same run twice is bitwise identical, and a
    spawn of world_size 2 resumes a 1-rank checkpoint (the data-parallel setting is not part of the run's identity)."""
    data, cfg, model = material
    a, b = copy.deepcopy(model), copy.deepcopy(model)
    train(a, data, cfg, tmp_path / "a.safetensors", {"t": 1})
    train(b, data, cfg, tmp_path / "b.safetensors", {"t": 1})
    for key, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[key]), key
    _, resumed = spawn_train(copy.deepcopy(model), data, cfg, tmp_path / "a.safetensors", {"t": 1}, world_size=2,
                             backend="gloo")
    assert resumed["resumed_from_step"] == resumed["steps"] == 12
