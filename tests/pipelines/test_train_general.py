"""train_general on the shared corpus (tiny preset): it learns from every clip but the excluded speakers, says which
(manifest with each clip's sha256), reproduces the shipped ridge corpus frames, and with neither a corpus nor a local person it stops in one line."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import yaml

from phadtf_kedro.datasets import TensorsDataset
from phadtf_kedro.errors import PhadtfError
from tests.conftest import ROOT, SHARED_DATA, make_project, run_session, shared

pytestmark = pytest.mark.slow


def test_train_general_on_the_corpus_minus_the_held_out_speakers(tmp_path):
    corpus = shared(SHARED_DATA / "corpus" / "may_5s.mp4").parent
    project = make_project(tmp_path / "project")
    run_session(project, "train_general", env="tiny", corpus=str(corpus))
    report = json.loads((project / "data" / "08_reporting" / "general" / "train_general.json").read_text())
    exclude = yaml.safe_load((ROOT / "conf" / "base" / "parameters_train_general.yml").read_text())[
        "train_general"]["corpus"]["exclude"]
    expected = sorted(p.stem for p in corpus.glob("*.mp4") if p.stem not in exclude)
    assert len(expected) == 12 and report["clips"] == expected and report["persons"] == []
    for clip in expected:  # the manifest names the exact bytes learned from
        entry = report["corpus"][clip]
        assert entry["sha256"] == hashlib.sha256((corpus / f"{clip}.mp4").read_bytes()).hexdigest()
        assert entry["frames"] > 100 and entry["tracked"] >= 0.8
    assert report["frames"] == sum(report["corpus"][c]["frames"] for c in expected)
    assert report["steps"] > 0 and (project / "data" / "06_models" / "general" / "atcnet.safetensors").is_file()
    # the mouth's ridge corpus frames: train_general reproduces the shipped ones (same clips, same tracked frames)
    made = TensorsDataset(str(project / "data" / "06_models" / "general" / "ridge_frames.safetensors")).load()
    shipped = TensorsDataset(str(tmp_path / "none.safetensors"), packaged="ridge_general.safetensors").load()
    # features bit for bit; the tracked targets to float32 rounding (the coefficient fit's last digits move with the
    # numerical libraries' versions: 2.8e-6 at most, seen after a fresh install, which changes the `data` fingerprint)
    assert list(made["clips"]) == expected == list(shipped["clips"])
    np.testing.assert_array_equal(made["features"], shipped["features"])
    np.testing.assert_allclose(made["targets"], shipped["targets"], rtol=0, atol=1e-5)


def test_no_corpus_and_no_person_is_one_line(tmp_path):
    project = make_project(tmp_path / "project")
    with pytest.raises(PhadtfError, match=r"train_general: no corpus clip \(--params corpus=DIR"):
        run_session(project, "train_general", env="tiny", corpus=str(tmp_path / "empty"))
    assert not (project / "data" / "06_models" / "general").exists()
