"""ATCNet's shapes come from its config; checkpoints round-trip and refuse a different config in one line."""

import numpy as np
import pytest
import torch

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.pose import choose_poses
from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.training.checkpoint import load_checkpoint, save_checkpoint

TINY = ATCNetConfig(conv_channels=(4, 8, 8, 8, 16), fc=(32, 32), lstm_hidden=32, lstm_layers=2)


def test_paper_sizes_and_tiny_sizes_run():
    paper = ATCNet(ATCNetConfig())
    assert paper.audio_fc[0].out_features == 2048 and paper.lstm.num_layers == 3 and paper.head.out_features == 58
    assert paper.audio_conv[0].out_channels == 64 and max(m.out_channels for m in paper.audio_conv
                                                          if isinstance(m, torch.nn.Conv2d)) == 512
    out = ATCNet(TINY)(torch.zeros(2, 16, 28, 12))
    assert out.shape == (2, 16, 58)
    other = ATCNet(ATCNetConfig(conv_channels=(4, 8, 8, 8, 16), fc=(32, 32), lstm_hidden=32, mfcc_rows=20,
                                n_expression=10))
    assert other(torch.zeros(1, 5, 20, 12)).shape == (1, 5, 16)  # sizes follow the data


def test_predict_returns_own_units():
    model = ATCNet(TINY)
    model.set_target_stats(torch.full((58,), 3.0), torch.full((58,), 0.5))
    model.eval()  # batch norm on running statistics, as predict uses it
    with torch.no_grad():
        raw = model(torch.ones(1, 7, 28, 12))[0]
    np.testing.assert_allclose(model.predict(torch.ones(7, 28, 12)), raw * 0.5 + 3.0, atol=1e-6)


def test_checkpoint_round_trip_and_config_mismatch(tmp_path):
    torch.manual_seed(0)
    model = ATCNet(TINY)
    path = tmp_path / "atcnet.safetensors"
    save_checkpoint(path, model, {"config": TINY.to_dict()})
    again = ATCNet(TINY)
    load_checkpoint(path, again, TINY.to_dict())
    x = torch.randn(1, 4, 28, 12)
    model.eval(), again.eval()
    assert torch.equal(model(x), again(x))
    bigger = ATCNetConfig(conv_channels=(4, 8, 8, 8, 16), fc=(32, 32), lstm_hidden=64, lstm_layers=2)
    with pytest.raises(PhadtfError, match=r"atcnet.safetensors: checkpoint was made with a different network config "
                                          r"lstm_hidden=32 \(this run: 64\)") as info:
        load_checkpoint(path, ATCNet(bigger), bigger.to_dict())
    assert "\n" not in str(info.value)
    (tmp_path / "bad.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(PhadtfError, match="bad.safetensors: not a phadtf_kedro checkpoint"):
        load_checkpoint(tmp_path / "bad.safetensors", model, TINY.to_dict())


def test_pose_sources():
    t = np.linspace(0, 1, 10)
    predicted = np.column_stack([np.sin(6 * t)] * 6) + 1.0
    np.testing.assert_allclose(choose_poses(predicted, predicted), predicted)
    still = choose_poses(predicted, predicted, amplitude=0.0, person_mean=np.ones(6))
    np.testing.assert_allclose(still, np.ones((10, 6)))
    doubled = choose_poses(predicted, predicted, amplitude=2.0, person_mean=np.ones(6))
    np.testing.assert_allclose(doubled - 1.0, 2.0 * (predicted - 1.0))
    reference = np.arange(4)[:, None] * np.ones(6)
    replay = choose_poses(np.zeros((9, 6)), reference, source="reference")
    assert replay[:, 0].tolist() == [0, 1, 2, 3, 2, 1, 0, 1, 2]  # played forward, then back, for longer audio
    with pytest.raises(ValueError, match="pose source 'random'"):
        choose_poses(predicted, predicted, source="random")
