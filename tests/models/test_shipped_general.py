"""The general ATCNet shipped in phadtf_kedro/assets/: it is the conf/base network, it loads offline when no local
general model exists, and its manifest names exactly the corpus clips it learned from, none of them a held-out
speaker."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch
import yaml

from phadtf_kedro.datasets import ATCNetDataset
from phadtf_kedro.pipelines.audio_motion.nodes import network_config
from tests.conftest import ROOT, SHARED_DATA, shared

ASSETS = ROOT / "src" / "phadtf_kedro" / "assets"


def _manifest() -> dict:
    return json.loads((ASSETS / "atcnet_general.json").read_text())


def test_shipped_weights_load_when_no_local_general_model_exists(tmp_path):
    model = ATCNetDataset(str(tmp_path / "none.safetensors"), optional=True, packaged="atcnet_general.safetensors").load()
    assert model.packaged and model.source_path == "phadtf_kedro/assets/atcnet_general.safetensors"
    base = yaml.safe_load((ROOT / "conf" / "base" / "parameters_audio_motion.yml").read_text())["audio_motion"]
    assert model.config == network_config(base["network"])
    assert model.trained_meta["clips"] == _manifest()["clips"] and model.trained_meta["steps"] == 1000
    out = model.predict(torch.zeros(50, 28, 12)).numpy()
    assert out.shape == (50, 58) and np.isfinite(out).all()
    local = tmp_path / "local.safetensors"  # a local general model wins over the shipped one
    ATCNetDataset(str(local)).save(model)
    assert not ATCNetDataset(str(local), optional=True, packaged="atcnet_general.safetensors").load().packaged


def test_manifest_names_the_corpus_bytes_and_no_held_out_speaker():
    manifest = _manifest()
    exclude = yaml.safe_load((ROOT / "conf" / "base" / "parameters_train_general.yml").read_text())[
        "train_general"]["corpus"]["exclude"]
    assert not set(manifest["clips"]) & set(exclude) and manifest["persons"] == []
    for clip in manifest["clips"]:
        path = shared(SHARED_DATA / "corpus" / f"{clip}.mp4")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == manifest["corpus"][clip]["sha256"], clip
