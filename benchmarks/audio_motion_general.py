"""How the general ATCNet and the per-person fine-tune settings were chosen: on the validation speakers only.

Trains the general ATCNet exactly as `kedro run --pipelines=train_general` does (conf/base parameters, the corpus minus
`train_general.corpus.exclude`), or loads `--general` (e.g. the shipped weights), then for each validation speaker
(`--speakers`, excluded from training and never reported in benchmarks/quality.py) fits on the first 60 % of the clip
as a person's training part and predicts the rest from its audio, for each fine-tune variant. Prints held-out jawOpen
correlation and spread ratio (predicted std ÷ real), pitch/yaw spread ratios and expression MSE, raw and after the
per-person calibration (training/calibration.py), and for a network trained from scratch on the same frames.
Prints figures; never fails on them.

    python benchmarks/audio_motion_general.py                          # train general (≈ 5 min), then the variants
    python benchmarks/audio_motion_general.py --general src/phadtf_kedro/assets/atcnet_general.safetensors
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from bench import SHARED_DATA, base_params

from phadtf_kedro.datasets import ATCNetDataset
from phadtf_kedro.face.tracker import resolve_model_path
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.pipelines.train_general.nodes import corpus_motion, general_sequences, train_general_atcnet
from phadtf_kedro.training.calibration import apply_calibration, fit_calibration
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.corpus import clip_motion
from phadtf_kedro.training.motion import Sequences, TrainConfig, train
from phadtf_kedro.video.ffmpeg import VideoFile

VALIDATION = ("vox2_741400104", "vox2_741400163", "vox2_00015")
# (name, steps, lr, trainable): "none" is the general network as it is; "scratch" ignores it (finetune.epochs)
VARIANTS = (("none", 0, 0.0, "all"), ("scratch", -1, 0.0, "all"), ("head 40 @1e-3", 40, 1e-3, "head"), ("all 40 @1e-5", 40, 1e-5, "all"),
            ("all 40 @1e-4", 40, 1e-4, "all"))
JAW, PITCH, YAW = 25, 52, 53


def figures(predicted: np.ndarray, real: np.ndarray) -> str:
    r = np.corrcoef(predicted[:, JAW], real[:, JAW])[0, 1] if predicted[:, JAW].std() > 0 else 0.0
    ratio = predicted.std(0) / np.maximum(real.std(0), 1e-12)
    mse = float(np.mean((predicted[:, :52] - real[:, :52]) ** 2))
    return (f"jaw r {r:+.3f}  jaw std× {ratio[JAW]:.2f}  pitch std× {ratio[PITCH]:.2f}  yaw std× {ratio[YAW]:.2f}  "
            f"mse {mse:.4f}")


def train_general(corpus: Path, landmarker: Path, exclude: set[str]) -> ATCNet:
    """The general ATCNet as `kedro run --pipelines=train_general` makes it (its nodes, conf/base, no local person)."""
    params, network = base_params("train_general"), base_params("audio_motion")["network"]
    videos = {p.stem: (lambda p=p: VideoFile(str(p), 25.0)) for p in corpus.glob("*.mp4")}
    motion, manifest = corpus_motion(videos, str(landmarker), {**params["corpus"], "exclude": sorted(exclude)})
    sequences = general_sequences(motion, {}, {}, params)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        model, _, report = train_general_atcnet(sequences, manifest, Path(tmp) / "general.safetensors", network,
                                                params)
    print(f"general ATCNet: {len(report['clips'])} clips, {report['frames']} frames, {report['steps']} steps "
          f"in {time.perf_counter() - start:.0f} s")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--general", help="a trained general ATCNet (default: train one now)")
    parser.add_argument("--speakers", nargs="+", default=list(VALIDATION))
    parser.add_argument("--corpus", default=str(SHARED_DATA / "corpus"))
    args = parser.parse_args()
    corpus, landmarker = Path(args.corpus), resolve_model_path(None)
    exclude = set(base_params("train_general")["corpus"]["exclude"])
    general = (ATCNetDataset(args.general).load() if args.general else train_general(corpus, landmarker, exclude))
    finetune = base_params("audio_motion")["finetune"]
    for speaker in args.speakers:
        clip = clip_motion(corpus / f"{speaker}.mp4", landmarker)
        cut = int(0.6 * len(clip["windows"]))
        fit = Sequences([clip["windows"][:cut]], [clip["targets"][:cut]])
        names = [f"expression/{i}" for i in range(52)] + [f"pose/{i}" for i in range(6)]
        print(f"\n{speaker}: {cut} training frames, {len(clip['windows']) - cut} held out")
        for name, steps, lr, trainable in VARIANTS:
            model = copy.deepcopy(general)
            if steps < 0:
                torch.manual_seed(finetune["seed"])
                model = ATCNet(general.config)
                model.set_target_stats(*fit.stats())
                cfg = config_from_params(TrainConfig, finetune, lr=finetune["lr_scratch"], steps=0)
                with tempfile.TemporaryDirectory() as tmp:
                    train(model, fit, cfg, Path(tmp) / "person.safetensors")
            elif steps:
                cfg = config_from_params(TrainConfig, finetune, steps=steps, epochs=0, lr=lr, trainable=trainable,
                                         checkpoint_every=10**6)
                with tempfile.TemporaryDirectory() as tmp:
                    train(model, fit, cfg, Path(tmp) / "person.safetensors")
            predicted = model.predict(torch.as_tensor(clip["windows"][cut:])).numpy()
            on_train = model.predict(torch.as_tensor(clip["windows"][:cut])).numpy()
            calibration = fit_calibration(on_train, clip["targets"][:cut], names, base_params("audio_motion")
                                          ["calibration"]["max_gain"])
            real = clip["targets"][cut:]
            print(f"  {name:<14} raw: {figures(predicted, real)}")
            print(f"  {'':<14} cal: {figures(apply_calibration(predicted, calibration), real)}")


if __name__ == "__main__":
    main()
